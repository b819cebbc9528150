"""Branch names as the org file gives them (`program`, `base`), checked with git's own rules.

`branch_problem(name, full_refs=...)` says why a name is not one orgtui can use, or None: the
names git reads in its own way (`HEAD` and the other all-capital refs, `@`, a leading `-`; for a
branch orgtui creates also `refs/...`, and `heads/`, `tags/`, `remotes/`, which short names
resolve through first), then whatever `git check-ref-format --branch` refuses. Without a git to
ask, the common cases of its rules stand in.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess

_PSEUDO_REF = re.compile(r"[A-Z_]*HEAD|AUTO_MERGE")
_RESOLVED_FIRST = ("heads/", "tags/", "remotes/")
_GIT_RULES = (
    'no spaces, control characters or any of ~ ^ : ? * [ \\, no ".." "//" or "@{", no part that '
    'starts with "." or ends in ".lock", and no "/" or "." at the end'
)
# The common cases of git's rules, for when there is no git to ask.
_BAD_REF = re.compile(r"\.\.|//|@\{|[\s~^:?*\[\\\x00-\x1f\x7f]|(^|/)\.|\.lock(/|$)|[/.]$")


def branch_problem(name: str, *, full_refs: bool) -> str | None:
    """Why `name` cannot be the branch it names, or None. `full_refs`: a full ref name
    (`refs/heads/x`) and the prefixes short names resolve through are fine (a base, which is
    only read); a branch orgtui creates must be a plain short name."""
    if _PSEUDO_REF.fullmatch(name):
        return f'"{name}" is git\'s own name for a commit it tracks, not a branch'
    if name == "@":
        return '"@" is git\'s short name for HEAD, not a branch'
    if name.startswith("-"):
        return f'"{name}" starts with "-", which git reads as an option'
    if not full_refs and name.startswith("refs/"):
        short = name.removeprefix("refs/heads/") if name.startswith("refs/heads/") else ""
        hint = f'write the short name "{short}"' if short else "write a branch's short name"
        return f'"{name}" is a full ref name: {hint}'
    if not full_refs and name.startswith(_RESOLVED_FIRST):
        return (
            f'git reads "{name}" as refs/{name} (not the branch refs/heads/{name}) wherever it '
            "takes a short name: choose a name that does not start with "
            f'"{name.split("/", 1)[0]}/"'
        )
    if not _git_accepts(name):
        return f"git check-ref-format refuses it ({_GIT_RULES})"
    return None


@functools.lru_cache(maxsize=64)
def _git_accepts(name: str) -> bool:
    if "\x00" in name:  # cannot be an argument at all
        return False
    # Outside any repository: in one, --branch would expand "@{-1}" to the branch checked out.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    try:
        done = subprocess.run(
            ["git", "check-ref-format", "--branch", name],
            cwd="/",
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return _BAD_REF.search(name) is None and bool(name)
    return done.returncode == 0
