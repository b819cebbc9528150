"""Jobs run what was submitted: a snapshot of an agent's worktree, kept as a commit.

`snapshot` takes every file git would add in the worktree, `.gitignore` honoured, through a
temporary index (the agent's own index and branch are not touched), writes it as a commit on
top of the worktree's HEAD and keeps it under a ref (`refs/orgtui/jobs/<id>`), so it is never
garbage-collected. `checkout` puts that commit in a detached worktree of its own for the job
to run in; `remove_checkout` takes it away again (the ref, and so the code, stay), and
`prune_checkouts` makes git forget the removed ones.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import ADMIN_LOCK, run_git


def snapshot(worktree: Path, ref: str, message: str, author: str) -> str:
    """Commit the worktree as it is now under `ref`; the commit's id."""
    who = {
        "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@orgtui",
        "GIT_COMMITTER_NAME": "orgtui", "GIT_COMMITTER_EMAIL": "orgtui@orgtui",
    }  # fmt: skip
    fd, index = tempfile.mkstemp(prefix="orgtui-index-")
    os.close(fd)
    try:
        env = {"GIT_INDEX_FILE": index, **who}
        head = run_git(worktree, ["rev-parse", "--verify", "HEAD"])
        if not head.ok:
            raise WorkspaceError(f"{worktree}: not a git worktree with a commit ({head.message})")
        for args in (["read-tree", "HEAD"], ["add", "-A", "--", "."]):
            step = run_git(worktree, args, env=env)
            if not step.ok:
                raise WorkspaceError(f"snapshot of {worktree}: git {args[0]}: {step.message}")
        tree = run_git(worktree, ["write-tree"], env=env)
        if not tree.ok:
            raise WorkspaceError(f"snapshot of {worktree}: git write-tree: {tree.message}")
        commit = run_git(
            worktree,
            ["commit-tree", tree.stdout.strip(), "-p", head.stdout.strip(), "-m", message],
            env=env,
        )
        if not commit.ok:
            raise WorkspaceError(f"snapshot of {worktree}: git commit-tree: {commit.message}")
        sha = commit.stdout.strip()
        kept = run_git(worktree, ["update-ref", ref, sha])
        if not kept.ok:
            raise WorkspaceError(f"snapshot of {worktree}: git update-ref: {kept.message}")
        return sha
    finally:
        os.unlink(index)


def checkout(repo: Path, commit: str, path: Path) -> None:
    """A detached worktree of `commit` at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with ADMIN_LOCK:
        added = run_git(repo, ["worktree", "add", "--detach", "--quiet", str(path), commit])
    if not added.ok:
        raise WorkspaceError(f"checkout of {commit[:12]} at {path}: {added.message}")


def remove_checkout(path: Path) -> None:
    """Remove a job's worktree's files (what the job wrote goes too; the commit stays).
    git's record of it goes at the next `prune_checkouts`: one git run for many jobs."""
    shutil.rmtree(path, ignore_errors=True)


def prune_checkouts(repo: Path) -> None:
    """Forget the removed job worktrees."""
    with ADMIN_LOCK:
        run_git(repo, ["worktree", "prune"])
