"""A real single-node Slurm for these tests (`scripts/slurm-up.sh`: slurmctld and slurmd as
root, two fake GPUs, eight CPUs), brought up once per session: a test that cannot have it
fails, it is never skipped. `shared_dir` is a fresh folder the (one) node sees."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def slurm() -> str:
    """Slurm is up; the partition the jobs go to."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "slurm-up.sh")], capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"scripts/slurm-up.sh could not bring Slurm up:\n{done.stdout}\n{done.stderr}")
    return "debug"


@pytest.fixture
def shared_dir(slurm: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="otslurm", dir="/tmp"))
    yield path / "shared"
    shutil.rmtree(path, ignore_errors=True)
