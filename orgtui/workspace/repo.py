"""The research repository and the program branch: checking them, creating the branch, and
keeping generated files out of `git status` through the repository's `info/exclude`."""

from __future__ import annotations

import difflib
from pathlib import Path

from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import ADMIN_LOCK, run_git

_MAX_LISTED_BRANCHES = 10


def agent_branch(program: str, agent: str) -> str:
    """The branch an agent works on: `<program>--<agent>`, e.g. `program/softcap--claude-1`.

    Not `<program>/<agent>`: the program is itself a branch, and git cannot hold a ref `a/b`
    and a ref `a/b/c` at once (`refs/heads/a/b` is a file, so it cannot also be a directory).
    Not `<program>.<agent>` either: an agent called `lock` would give a name ending in `.lock`,
    which git refuses. `<program>--<agent>` is a valid branch for every valid program branch
    and every agent name orgtui allows (`[a-z0-9][a-z0-9_-]*`); it sorts and tab-completes right
    after its program, and `git branch --list '<program>--*'` lists a program's agents.
    """
    return f"{program}--{agent}"


def check_repo(repo: Path, base: str, program: str) -> None:
    """Raise WorkspaceError unless `repo` is the top of a git repository with at least one
    commit in which the program branch or, failing that, `base` exists."""
    repo = Path(repo)
    _check_is_repository(repo)
    listed = run_git(repo, ["for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/"])
    if not listed.ok:
        raise WorkspaceError(f"cannot read the branches of {repo}: {listed.message}", key="repo")
    branches = listed.stdout.splitlines()
    if not branches:
        raise WorkspaceError(
            f"the git repository {repo} has no commits yet; make a first commit "
            f"(`git -C {repo} commit --allow-empty -m init`) or create the repo with "
            "`orgtui init DIR`",
            key="repo",
        )
    if program in branches or base in branches or _resolves_to_commit(repo, base):
        return
    raise WorkspaceError(_missing_base_message(repo, base, program, branches), key="base")


def _check_is_repository(repo: Path) -> None:
    if not repo.exists():
        raise WorkspaceError(
            f"the research repo {repo} does not exist; create it with `orgtui init {repo}` "
            f"(the built-in research task) or `git init {repo}`",
            key="repo",
        )
    if not repo.is_dir():
        raise WorkspaceError(f"the research repo {repo} is not a directory", key="repo")
    probe = run_git(
        repo,
        ["rev-parse", "--is-bare-repository", "--is-inside-work-tree", "--show-prefix"],
    )
    if not probe.ok:
        if "not a git repository" in probe.stderr:
            raise WorkspaceError(
                f"{repo} is not a git repository; make it one with `git init {repo}` "
                f"and a first commit, or create a research repo with `orgtui init DIR`",
                key="repo",
            )
        raise WorkspaceError(f"cannot use {repo} as a git repository: {probe.message}", key="repo")
    bare, in_work_tree, prefix = (probe.stdout.splitlines() + ["", "", ""])[:3]
    if prefix == "" and (bare == "true" or in_work_tree == "true"):
        return
    top = run_git(repo, ["rev-parse", "--show-toplevel"])
    where = f"inside the git repository {top.stdout.strip()}" if top.ok else "inside a .git dir"
    raise WorkspaceError(
        f"{repo} is {where}, not at its top; point `repo` at the repository's top directory, "
        f"or make {repo} a repository of its own with `git init {repo}`",
        key="repo",
    )


def _resolves_to_commit(repo: Path, rev: str) -> bool:
    # A base may also be a tag, a commit or a remote-tracking branch such as `origin/main`.
    if not rev or rev.startswith("-"):
        return False
    return run_git(repo, ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"]).ok


def _missing_base_message(repo: Path, base: str, program: str, branches: list[str]) -> str:
    shown = ", ".join(branches[:_MAX_LISTED_BRANCHES])
    if len(branches) > _MAX_LISTED_BRANCHES:
        shown += f" (and {len(branches) - _MAX_LISTED_BRANCHES} more)"
    close = difflib.get_close_matches(base, branches, n=1, cutoff=0.5)
    hint = f"; did you mean base = {close[0]!r}?" if close else ""
    return (
        f"the base branch {base!r} does not exist in {repo} (and neither does the program "
        f"branch {program!r}, which would be created from it){hint} "
        f"Existing branches: {shown}"
    )


def ensure_program(repo: Path, base: str, program: str) -> None:
    """Create the branch `program` at `base` if it does not exist; an existing one is never
    moved."""
    repo = Path(repo)
    if program.startswith("-") or base.startswith("-"):
        raise WorkspaceError(
            f"invalid branch name {program if program.startswith('-') else base!r}"
        )
    with ADMIN_LOCK:
        if branch_exists(repo, program):
            return
        made = run_git(repo, ["branch", "--no-track", program, base])
        if not made.ok and not branch_exists(repo, program):
            raise WorkspaceError(
                f"cannot create the program branch {program!r} from {base!r} in {repo}: "
                f"{made.message}"
            )


def branch_exists(repo: Path, branch: str) -> bool:
    """Whether the local branch `branch` exists in `repo`."""
    return run_git(repo, ["show-ref", "--verify", "--quiet", f"refs/heads/{branch}"]).ok


def ensure_excluded(repo: Path, patterns: list[str]) -> None:
    """Add each pattern missing from the repository's shared `info/exclude` (it applies to
    every worktree), so generated files such as AGENTS.md never show in `git status`."""
    repo = Path(repo)
    found = run_git(repo, ["rev-parse", "--git-common-dir"])
    if not found.ok:
        raise WorkspaceError(f"cannot find the git directory of {repo}: {found.message}")
    exclude = (repo / found.stdout.strip()).resolve() / "info" / "exclude"
    with ADMIN_LOCK:
        text = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
        present = {line.strip() for line in text.splitlines()}
        missing = [p for p in dict.fromkeys(patterns) if p.strip() and p.strip() not in present]
        if not missing:
            return
        exclude.parent.mkdir(parents=True, exist_ok=True)
        separator = "\n" if text and not text.endswith("\n") else ""
        with exclude.open("a", encoding="utf-8") as out:
            out.write(separator + "".join(f"{p.strip()}\n" for p in missing))
