"""`orgtui init DIR`: a git repository of the built-in task, and a clear refusal of a folder
that is not empty."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def orgtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True, text=True)


def test_init_makes_a_committed_research_repo_and_refuses_a_full_folder(tmp_path: Path) -> None:
    repo = tmp_path / "tiny"
    out = orgtui("init", str(repo))
    assert out.returncode == 0, out.stderr
    files = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True,
                           text=True).stdout.split()  # fmt: skip
    assert sorted(files) == [".gitignore", "README.md", "data/SOURCE.md", "data/shakespeare.txt",
                             "program.md", "search_space.toml", "train.py"]  # fmt: skip
    assert (repo / "data" / "shakespeare.txt").stat().st_size <= 2_000_000
    branch = subprocess.run(["git", "-C", str(repo), "branch", "--show-current"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    assert branch == "main"
    again = orgtui("init", str(repo))
    assert again.returncode == 2 and "exists and is not an empty folder" in again.stderr
