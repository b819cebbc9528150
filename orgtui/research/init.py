"""`orgtui init DIR`: a git research repository made from the built-in task, tinychat
(`orgtui/research/tinychat/`: train.py, its data, program.md, search_space.toml, a README
for agents), committed on `main`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

TEMPLATE = Path(__file__).parent / "tinychat"
FILES = ("train.py", "program.md", "search_space.toml", "README.md", "data/shakespeare.txt",
         "data/SOURCE.md")  # fmt: skip


class InitError(Exception):
    """DIR cannot become the research repository (it says why)."""


def init_repo(target: Path) -> Path:
    """Create the research repository at `target` (a missing or empty folder)."""
    target = target.expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(f"{target} exists and is not an empty folder: give a new one")
    for name in FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATE / name, target / name)
    (target / ".gitignore").write_text("__pycache__/\n*.pyc\n*.log\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "orgtui"),
           "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "orgtui@localhost"),
           "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "orgtui"),
           "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "orgtui@localhost")}  # fmt: skip
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["commit", "-q", "-m", "tinychat: the built-in research task"]):  # fmt: skip
        proc = subprocess.run(["git", "-C", str(target), *args], capture_output=True, text=True,
                              env=env)  # fmt: skip
        if proc.returncode != 0:
            raise InitError(f"git {args[0]} in {target}: {proc.stderr.strip()}")
    return target
