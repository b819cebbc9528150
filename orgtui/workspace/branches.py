"""The program branch and the agents' branches as the cockpit shows them: commits ahead of and
behind the program branch, the last commit's subject and time, whether each worktree is dirty;
and a branch's diff against the program branch.

Read-only and cheap enough to poll every few seconds: one `for-each-ref` for every branch, one
`rev-list --count` per agent, one lock-free `status` per worktree. Nothing here raises for a
branch or worktree that does not exist: it is reported (`exists=False`, `dirty=None`) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import run_git
from orgtui.workspace.repo import agent_branch
from orgtui.workspace.worktrees import branch_of, is_dirty

_REF_FORMAT = "%(refname)%00%(committerdate:unix)%00%(subject)"


@dataclass(frozen=True)
class ProgramInfo:
    """The program branch."""

    branch: str
    """The branch's name, e.g. `program/softcap`."""
    exists: bool
    """Whether the branch exists in the repository."""
    subject: str
    """The subject line of its last commit ("" when the branch does not exist)."""
    committed_at: float | None
    """When its last commit was committed (Unix time); None when the branch does not exist."""


@dataclass(frozen=True)
class BranchInfo:
    """One agent's feature branch, compared with the program branch."""

    agent: str
    """The agent's name."""
    branch: str
    """The agent's branch, `agent_branch(program, agent)`."""
    worktree: Path
    """The agent's worktree (it may not exist)."""
    exists: bool
    """Whether the branch exists in the repository."""
    ahead: int
    """Commits on the branch that the program branch lacks (0 if either is missing)."""
    behind: int
    """Commits on the program branch that the branch lacks (0 if either is missing)."""
    subject: str
    """The subject line of the branch's last commit ("" when the branch does not exist)."""
    committed_at: float | None
    """When the branch's last commit was committed (Unix time); None without a branch."""
    dirty: bool | None
    """Whether the worktree has uncommitted changes or untracked files; None when the worktree
    does not exist or git cannot read its status."""


@dataclass(frozen=True)
class _Head:
    committed_at: float | None
    subject: str


def branch_infos(
    repo: Path, program: str, agents: list[tuple[str, Path]]
) -> tuple[ProgramInfo, list[BranchInfo]]:
    """The program branch and each agent's branch; `agents` are (agent name, worktree path)."""
    repo = Path(repo)
    heads = _heads(repo, program)
    top = heads.get(program)
    info = ProgramInfo(
        branch=program,
        exists=top is not None,
        subject=top.subject if top else "",
        committed_at=top.committed_at if top else None,
    )
    branches = []
    for agent, worktree in agents:
        branch = agent_branch(program, agent)
        head = heads.get(branch)
        ahead, behind = _ahead_behind(repo, program, branch) if head and top else (0, 0)
        branches.append(
            BranchInfo(
                agent=agent,
                branch=branch,
                worktree=Path(worktree),
                exists=head is not None,
                ahead=ahead,
                behind=behind,
                subject=head.subject if head else "",
                committed_at=head.committed_at if head else None,
                dirty=_dirty(Path(worktree)),
            )
        )
    return info, branches


def _heads(repo: Path, program: str) -> dict[str, _Head]:
    """The program branch and every `<program>--*` branch, by name; {} if git cannot say."""
    patterns = [f"refs/heads/{program}", f"refs/heads/{agent_branch(program, '*')}"]
    listed = run_git(repo, ["for-each-ref", f"--format={_REF_FORMAT}", *patterns])
    if not listed.ok:
        return {}
    heads = {}
    for line in listed.stdout.splitlines():
        fields = line.split("\0")
        if len(fields) != 3 or not fields[0].startswith("refs/heads/"):
            continue
        ref, stamp, subject = fields
        try:
            when: float | None = float(stamp)
        except ValueError:
            when = None
        heads[ref.removeprefix("refs/heads/")] = _Head(when, subject)
    return heads


def _ahead_behind(repo: Path, program: str, branch: str) -> tuple[int, int]:
    counted = run_git(
        repo,
        ["rev-list", "--left-right", "--count", "--end-of-options", f"{program}...{branch}"],
    )
    fields = counted.stdout.split()
    if not counted.ok or len(fields) != 2 or not all(f.isdigit() for f in fields):
        return 0, 0
    behind, ahead = (int(f) for f in fields)  # left: only on the program; right: only on branch
    return ahead, behind


def _dirty(worktree: Path) -> bool | None:
    try:
        return is_dirty(worktree)
    except WorkspaceError:
        return None


def branch_diff(repo: Path, program: str, branch: str, worktree: Path | None) -> str:
    """What `branch` changes, as text for a person to read.

    First the committed changes, `git diff --stat --patch program...branch` (the branch against
    the point where it forked from the program branch, so later commits on the program branch
    do not show as reversed). Then, when `worktree` exists and has `branch` checked out, its
    uncommitted changes (`git diff HEAD`: staged and unstaged) and the names of its untracked
    files. Each part starts with a line beginning with `# `. Problems (a missing branch, a
    worktree on another branch) are said in such lines too; this never raises.
    """
    repo = Path(repo)
    parts = [_committed(repo, program, branch)]
    if worktree is not None:
        parts.append(_uncommitted(Path(worktree), branch))
    return "".join(parts)


def _committed(repo: Path, program: str, branch: str) -> str:
    head = f"# committed: {program}...{branch}\n"
    diff = run_git(
        repo,
        ["diff", "--no-color", "--no-ext-diff", "--stat", "--patch", "--end-of-options"]
        + [f"{program}...{branch}", "--"],
    )
    if not diff.ok:
        return head + f"# cannot compare the branches: {diff.message}\n"
    return head + (diff.stdout or "# no committed changes\n")


def _uncommitted(worktree: Path, branch: str) -> str:
    head = f"\n# uncommitted: {worktree}\n"
    if not (worktree / ".git").exists():
        return head + "# the worktree does not exist\n"
    current = branch_of(worktree)
    if current != branch:
        checked_out = f"branch {current}" if current else "a detached HEAD"
        return head + f"# skipped: the worktree has {checked_out} checked out, not {branch}\n"
    diff = run_git(
        worktree,
        ["diff", "--no-color", "--no-ext-diff", "--stat", "--patch", "HEAD", "--"],
        optional_locks=False,
    )
    if not diff.ok:
        return head + f"# cannot read the worktree's changes: {diff.message}\n"
    untracked = run_git(
        worktree, ["ls-files", "--others", "--exclude-standard", "-z"], optional_locks=False
    )
    names = [n for n in untracked.stdout.split("\0") if n] if untracked.ok else []
    text = head + diff.stdout
    if names:
        text += "# untracked files:\n" + "".join(f"#   {n}\n" for n in names)
    if not diff.stdout and not names:
        text += "# no uncommitted changes\n"
    return text
