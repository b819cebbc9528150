"""Agent worktrees: one branch and one git worktree per agent, created once and then re-used
untouched; their dirtiness; their removal for `down --clean`."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import ADMIN_LOCK, run_git
from orgtui.workspace.repo import agent_branch, branch_exists

_ADD_ATTEMPTS = 4


@dataclass(frozen=True)
class AgentWorkspace:
    """Where one agent works."""

    agent: str
    """The agent's name."""
    branch: str
    """The agent's branch, `agent_branch(program, agent)`."""
    worktree: Path
    """The agent's worktree, `<workdir>/worktrees/<agent>`."""
    created: bool
    """True if this call created the worktree (False: an existing one is re-used)."""


@dataclass(frozen=True)
class RegisteredWorktree:
    """One entry of `git worktree list --porcelain`."""

    path: Path
    branch: str | None
    """The checked-out branch's short name; None when detached or bare."""
    locked: bool

    def is_present(self) -> bool:
        """Whether the worktree is still on disk (git calls a missing one prunable)."""
        return (self.path / ".git").exists()


def worktree_path(workdir: Path, agent: str) -> Path:
    """The agent's worktree: `<workdir>/worktrees/<agent>`, absolute."""
    if not agent or agent in (".", "..") or "/" in agent or "\\" in agent:
        raise WorkspaceError(f"invalid agent name {agent!r}: it must be one plain path component")
    return Path(workdir).absolute() / "worktrees" / agent


def list_worktrees(repo: Path) -> list[RegisteredWorktree]:
    """Every worktree git has registered for `repo`, the main one first."""
    listed = run_git(repo, ["worktree", "list", "--porcelain"])
    if not listed.ok:
        raise WorkspaceError(f"cannot list the worktrees of {repo}: {listed.message}")
    found: list[RegisteredWorktree] = []
    for block in listed.stdout.split("\n\n"):
        fields = dict((line.split(" ", 1) + [""])[:2] for line in block.splitlines() if line)
        if "worktree" not in fields:
            continue
        branch = fields.get("branch")
        found.append(
            RegisteredWorktree(
                path=Path(fields["worktree"]),
                branch=branch.removeprefix("refs/heads/") if branch else None,
                locked="locked" in fields,
            )
        )
    return found


def _same_path(a: Path, b: Path) -> bool:
    return a == b or a.resolve() == b.resolve()


def ensure_agent(repo: Path, program: str, workdir: Path, agent: str) -> AgentWorkspace:
    """Make sure `agent` has its branch (forked from `program` if missing, kept as is if it
    exists) and its worktree at `<workdir>/worktrees/<agent>` on that branch.

    An existing worktree is re-used untouched, even if someone switched it to another branch
    (`branch_of` tells what is checked out; the result names the agent's branch). A stale
    registration (the directory is gone)
    is pruned and the worktree recreated. Raises WorkspaceError if the directory exists but is
    not a worktree of `repo`, or if the branch is checked out in another worktree.
    """
    repo = Path(repo)
    branch = agent_branch(program, agent)
    path = worktree_path(workdir, agent)
    with ADMIN_LOCK:
        registered = list_worktrees(repo)
        mine = next((w for w in registered if _same_path(w.path, path)), None)
        if mine is not None and mine.is_present():
            return AgentWorkspace(agent, branch, path, created=False)
        if mine is not None and path.exists():
            raise WorkspaceError(
                f"{path} is registered as a worktree of {repo} but has no .git file; "
                f"move the directory away so orgtui can recreate the worktree there"
            )
        occupied = path.exists() or path.is_symlink()
        if occupied and (not path.is_dir() or any(path.iterdir())):
            raise WorkspaceError(
                f"{path} exists but is not a git worktree of {repo}; move it away so "
                f"orgtui can create agent {agent!r}'s worktree there"
            )
        holder = next(
            (w for w in registered if w.branch == branch and w is not mine),
            None,
        )
        if holder is not None and holder.is_present():
            raise WorkspaceError(
                f"branch {branch!r} (agent {agent!r}) is already checked out in the worktree "
                f"{holder.path}; switch that worktree to another branch "
                f"(`git -C {holder.path} switch --detach`) or remove it "
                f"(`git -C {repo} worktree remove {holder.path}`)"
            )
        if mine is not None or holder is not None:
            _prune_stale(repo, path, mine)
        _add_worktree(repo, program, branch, path)
    return AgentWorkspace(agent, branch, path, created=True)


def _prune_stale(repo: Path, path: Path, mine: RegisteredWorktree | None) -> None:
    if mine is not None and mine.locked:
        raise WorkspaceError(
            f"{path} is gone but git keeps it registered as a locked worktree of {repo}; "
            f"unlock it with `git -C {repo} worktree unlock {mine.path}`"
        )
    pruned = run_git(repo, ["worktree", "prune"])
    if not pruned.ok:
        raise WorkspaceError(f"cannot prune stale worktrees of {repo}: {pruned.message}")


def _add_worktree(repo: Path, program: str, branch: str, path: Path) -> None:
    for attempt in range(_ADD_ATTEMPTS):
        if branch_exists(repo, branch):
            args = ["worktree", "add", "--quiet", str(path), branch]
        else:
            args = ["worktree", "add", "--quiet", "--no-track", "-b", branch, str(path), program]
        added = run_git(repo, args)
        if added.ok:
            return
        # Another process adding a worktree at the same moment (ADMIN_LOCK only covers this
        # one) makes git die reading its half-written admin files; that passes quickly.
        if "failed to read" not in added.stderr or attempt == _ADD_ATTEMPTS - 1:
            break
        time.sleep(0.05 * (attempt + 1))
    if not branch_exists(repo, program):
        raise WorkspaceError(
            f"cannot create branch {branch!r}: the program branch {program!r} does not exist "
            f"in {repo}"
        )
    raise WorkspaceError(
        f"cannot create the worktree {path} on branch {branch!r} in {repo}: {added.message}"
    )


def is_dirty(worktree: Path) -> bool:
    """Whether `worktree` has uncommitted or staged changes or untracked files (ignored files
    do not count). Takes no index lock, so it never disturbs the agent's own git commands."""
    worktree = Path(worktree)
    if not (worktree / ".git").exists():
        raise WorkspaceError(f"{worktree} is not a git worktree")
    status = run_git(
        worktree,
        ["status", "--porcelain", "--untracked-files=normal", "--ignore-submodules=none"],
        optional_locks=False,
    )
    if not status.ok:
        raise WorkspaceError(f"cannot read the status of {worktree}: {status.message}")
    return status.stdout.strip() != ""


def unsaved_work(worktree: Path, generated: Iterable[str] = ()) -> list[str]:
    """What removing `worktree` would lose: modified, staged, untracked and ignored paths (an
    ignored folder as one `dir/`), as `git status` names them, relative to the worktree, but
    `generated`, the top-level files orgtui wrote there itself. Takes no index lock."""
    worktree = Path(worktree)
    if not (worktree / ".git").exists():
        raise WorkspaceError(f"{worktree} is not a git worktree")
    status = run_git(
        worktree,
        ["status", "--porcelain", "-z", "--ignored", "--untracked-files=normal",
         "--ignore-submodules=none"],
        optional_locks=False,
    )  # fmt: skip
    if not status.ok:
        raise WorkspaceError(f"cannot read the status of {worktree}: {status.message}")
    fields = iter(status.stdout.split("\0"))
    found = []
    for field in fields:
        if not field:
            continue
        code, path = field[:2], field[3:]
        if code[0] in "RC":
            next(fields, None)  # a rename's or copy's source: its target stands for it
        if path not in generated:
            found.append(path)
    return found


def branch_of(worktree: Path) -> str | None:
    """The branch checked out in `worktree`; None when HEAD is detached or `worktree` is not a
    git worktree (a directory inside some other repository does not count)."""
    worktree = Path(worktree)
    if not (worktree / ".git").exists():
        return None
    head = run_git(worktree, ["symbolic-ref", "--quiet", "HEAD"])
    if not head.ok:
        return None
    return head.stdout.strip().removeprefix("refs/heads/")


def remove_worktrees(
    repo: Path, workdir: Path, agents: list[str], force: bool, generated: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Remove the agents' worktrees for `down --clean`; their branches stay.

    Returns (removed, refused): an agent's worktree is refused when it is locked or holds
    anything `unsaved_work` names (ignored files too: a checkpoint is work), unless `force`.
    Agents with no worktree are skipped; a registration whose directory is already gone is
    pruned.
    """
    generated = set(generated)
    repo = Path(repo)
    removed: list[str] = []
    refused: list[str] = []
    with ADMIN_LOCK:
        registered = list_worktrees(repo)
        stale = False
        for agent in agents:
            path = worktree_path(workdir, agent)
            mine = next((w for w in registered if _same_path(w.path, path)), None)
            if mine is None:
                continue
            if not mine.is_present():
                stale = True
                continue
            if not force and (mine.locked or unsaved_work(path, generated)):
                refused.append(agent)
                continue
            args = ["worktree", "remove", *(["--force", "--force"] if force else []), str(path)]
            gone = run_git(repo, args)
            if gone.ok:
                removed.append(agent)
            elif not force and "modified or untracked" in gone.stderr:
                refused.append(agent)  # it became dirty since is_dirty looked
            else:
                raise WorkspaceError(f"cannot remove the worktree {path}: {gone.message}")
        if stale:
            run_git(repo, ["worktree", "prune"])
    return removed, refused
