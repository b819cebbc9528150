"""Running git commands: one subprocess per call, with a clean and predictable environment.

Plain `subprocess` rather than GitPython's command wrapper, because the environment has to be
controlled exactly: variables such as `GIT_DIR` or `GIT_INDEX_FILE` (set when orgtui runs from a
git hook or inside another tool) would point git at the wrong repository, and GitPython can add
variables but not remove them. Messages are forced to English so they can be shown verbatim.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ADMIN_LOCK = threading.RLock()
"""Held while this process changes branches, worktrees or `info/exclude`; anything else in
orgtui that runs `git worktree add/remove/prune` in-process should hold it too.

Concurrent `git worktree add`s on one repository are not safe: each reads every other
worktree's admin files while they are half written and dies with "failed to read
.git/worktrees/<x>/commondir" (seen with 8 at once on git 2.39). The check-then-create steps
must not interleave either. Each command takes milliseconds, so serialising costs little.
"""

# Variables that redirect git away from the directory given with -C.
_REDIRECTING_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)


def git_environment() -> dict[str, str]:
    """The environment every git command of this package runs with."""
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_VARIABLES}
    env["LC_ALL"] = "C"
    env["LANGUAGE"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


@dataclass(frozen=True)
class GitResult:
    """What one git command returned."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def message(self) -> str:
        """git's own complaint, on one line, without its `fatal: ` prefix."""
        text = " ".join(self.stderr.split()) or " ".join(self.stdout.split())
        for prefix in ("fatal: ", "error: "):
            text = text.removeprefix(prefix)
        return text or f"git exited with status {self.returncode}"


def run_git(
    cwd: Path,
    args: Sequence[str],
    *,
    optional_locks: bool = True,
    env: dict[str, str] | None = None,
) -> GitResult:
    """Run `git -C cwd args...` and return its result (never raises for a non-zero status).

    With `optional_locks=False` read-only commands such as `status` do not take the index
    lock, so a poll from orgtui never makes an agent's own `git commit` fail on `index.lock`.
    `env` adds variables (a temporary index, an author) to the clean environment.
    """
    cmd = ["git"]
    if not optional_locks:
        cmd.append("--no-optional-locks")
    cmd += ["-C", str(cwd), *args]
    try:
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="surrogateescape",
            env={**git_environment(), **(env or {})},
            check=False,
        )
    except FileNotFoundError:
        return GitResult(127, "", "git is not installed (no `git` on PATH)")
    return GitResult(proc.returncode, proc.stdout, proc.stderr)
