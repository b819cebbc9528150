"""`orgtui init --task nanochat --from PATH DIR` on a tiny git repo shaped like nanochat (the
stand-in under tests/data/nanochat_standin): DIR is a clone on the branch orgtui/nanochat,
exactly one commit of orgtui's on PATH's HEAD, whose seed then comes from ORGTUI_SEED; a
folder that is not a nanochat clone, or a common.py without the seeding line, is refused
(exit 2, naming the file and what was expected) and nothing is made."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orgtui.research.init import InitError
from orgtui.research.nanochat import seed_from_env
from tests.conftest import git

STANDIN = Path(__file__).resolve().parents[1] / "data" / "nanochat_standin"


def orgtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True, text=True)


def nanochat_clone(path: Path) -> Path:
    """A user's nanochat clone: the stand-in committed on `master` (two commits, so the HEAD
    is not the root), with an uncommitted change that init must not take."""
    shutil.copytree(STANDIN, path, ignore=shutil.ignore_patterns("__pycache__"))
    git(path.parent, "init", "-q", "-b", "master", str(path))
    git(path, "add", "-A")
    git(path, "commit", "-qm", "nanochat")
    (path / "README.md").write_text("upstream's next commit\n")
    git(path, "commit", "-qam", "readme")
    (path / "README.md").write_text("a change of the user's, not committed\n")
    return path


def stand_in_seed(repo: Path, env: dict[str, str]) -> str:
    """The seed the stand-in's base_train reports torch was given, run in `repo`."""
    done = subprocess.run(
        [sys.executable, "-m", "scripts.base_train", "--depth=2", "--target-flops=1e11"],
        cwd=repo, capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return next(line for line in done.stdout.splitlines() if "seed" in line).split()[-1]


def test_init_makes_the_branch_with_exactly_one_commit_of_orgtuis(tmp_path: Path) -> None:
    source = nanochat_clone(tmp_path / "nanochat")
    upstream = git(source, "rev-parse", "HEAD").strip()
    out = orgtui("init", "--task", "nanochat", "--from", str(source), str(tmp_path / "research"))
    assert out.returncode == 0, out.stderr
    repo = tmp_path / "research"
    assert "orgtui/nanochat" in out.stdout and "uncommitted changes" in out.stdout
    assert git(repo, "branch", "--show-current").strip() == "orgtui/nanochat"
    assert git(repo, "rev-list", "--count", f"{upstream}..HEAD").strip() == "1"
    assert git(repo, "rev-parse", "HEAD~1").strip() == upstream
    author, subject = git(repo, "log", "-1", "--format=%an <%ae>%n%s").splitlines()
    assert author == "orgtui <orgtui@localhost>" and subject.startswith("orgtui: ")
    changed = git(repo, "diff", "--name-status", "HEAD~1", "HEAD").split("\n")
    assert sorted(filter(None, changed)) == ["A\tprogram.md", "M\tnanochat/common.py"]
    diff = git(repo, "diff", "HEAD~1", "HEAD", "--", "nanochat/common.py")
    removed = [line for line in diff.splitlines() if line.startswith("-") and "---" not in line]
    assert [line.strip("- ") for line in removed] == [
        "torch.manual_seed(42)", "torch.cuda.manual_seed(42)"
    ]  # fmt: skip
    assert "ORGTUI_SEED" in (repo / "program.md").read_text()
    assert git(repo, "status", "--porcelain") == ""  # the user's uncommitted change not taken
    # The seed now comes from ORGTUI_SEED; without it the run is upstream's (42).
    env = {k: v for k, v in os.environ.items() if k != "ORGTUI_SEED"}
    assert stand_in_seed(repo, {**env, "ORGTUI_SEED": "31337"}) == "31337"
    assert stand_in_seed(repo, env) == "42"
    assert stand_in_seed(source, {**env, "ORGTUI_SEED": "31337"}) == "42"  # the clone untouched
    again = orgtui("init", "--task", "nanochat", "--from", str(source), str(repo))
    assert again.returncode == 2 and "exists and is not an empty folder" in again.stderr


def test_a_folder_that_is_not_a_nanochat_clone_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "research"
    out = orgtui("init", "--task", "nanochat", "--from", str(tmp_path), str(target))
    assert out.returncode == 2 and "not a git clone" in out.stderr, out.stderr
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    (other / "train.py").write_text("print(1)\n")
    git(other, "add", "-A")
    git(other, "commit", "-qm", "x")
    out = orgtui("init", "--task", "nanochat", "--from", str(other), str(target))
    assert out.returncode == 2, out.stderr
    assert "not a nanochat clone: its HEAD has no nanochat/common.py" in out.stderr
    assert not target.exists()
    out = orgtui("init", "--task", "nanochat", str(target))
    assert out.returncode == 2 and "--from PATH" in out.stderr


def test_a_common_py_without_the_seeding_line_is_refused_and_nothing_made(tmp_path: Path) -> None:
    source = nanochat_clone(tmp_path / "nanochat")
    common = source / "nanochat" / "common.py"
    common.write_text(common.read_text().replace("torch.manual_seed(42)", "seed_everything()"))
    git(source, "commit", "-qam", "a fork that seeds elsewhere")
    target = tmp_path / "research"
    out = orgtui("init", "--task", "nanochat", "--from", str(source), str(target))
    assert out.returncode == 2, out.stderr
    assert f"{common} (at " in out.stderr and "expected one line `torch.manual_seed(42)`" in (
        out.stderr
    )  # fmt: skip
    assert not target.exists()


# Upstream's lines, as they stand in compute_init of nanochat/common.py at 92d63d4.
UPSTREAM = """\
\"\"\"
Common utilities for nanochat.
\"\"\"

import re
import torch

def compute_init(device_type="cuda"): # cuda|cpu|mps
    # Reproducibility
    torch.manual_seed(42)
    if device_type == "cuda":
        torch.cuda.manual_seed(42)
"""


def test_the_seeding_lines_read_orgtui_seed_and_os_is_imported() -> None:
    text = seed_from_env(UPSTREAM, "common.py")
    assert "import os\nimport re\n" in text
    assert '    torch.manual_seed(int(os.environ.get("ORGTUI_SEED", "42")))  # orgtui:' in text
    assert '        torch.cuda.manual_seed(int(os.environ.get("ORGTUI_SEED", "42")))' in text
    assert "(42)" not in text
    with pytest.raises(InitError, match="common.py: expected one line .* found 2 of them"):
        seed_from_env(UPSTREAM + "torch.manual_seed(7)\n", "common.py")
