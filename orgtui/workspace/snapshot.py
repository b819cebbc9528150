"""Jobs run what was submitted: a snapshot of an agent's worktree, kept as a commit.

`snapshot` takes every file git would add in the worktree, `.gitignore` honoured, through a
temporary index (the agent's own index and branch are not touched), writes it as a commit on
top of the worktree's HEAD and keeps it under a ref (`refs/orgtui/jobs/<id>`), so it is never
garbage-collected. `checkout` puts that commit in a detached worktree of its own for the job
to run in; `remove_checkout` takes it away again (the ref, and so the code, stay), and
`prune_checkouts` makes git forget any an earlier orgd left half removed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
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
    """A detached worktree of `commit` (a full id) at `path`, registered with git as
    `job-<name of path's folder>-<hash of path>`.

    The layout `git worktree add` writes (gitrepository-layout(5): `worktrees/<name>/`
    holding `gitdir`, `commondir` and `HEAD`; a `.git` file in the worktree pointing back)
    is written here, then one `git read-tree -u --reset` fills the index and the files.
    `git worktree add` runs three git processes and reads every other worktree's records
    under a lock that serialises all adds; this runs one and needs no lock: the record is
    made in a temporary folder and renamed into place whole, so no git process (an agent's
    `git worktree list`, a prune) ever reads it half written, and it points at a `.git`
    file that exists already, so a prune keeps it. Jobs start that much sooner."""
    common = common_dir(repo)
    # Named after the whole path: orgs that share a repository number their jobs alike.
    digest = hashlib.sha1(str(path.absolute()).encode()).hexdigest()[:10]
    admin = common / "worktrees" / f"job-{path.parent.name}-{digest}"
    if admin.exists():  # a record of this very path, left by an orgd that stopped early
        shutil.rmtree(admin, ignore_errors=True)
    path.mkdir(parents=True)
    (path / ".git").write_text(f"gitdir: {admin}\n")
    (common / "worktrees").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".orgtui-{admin.name}-", dir=common))
    (tmp / "commondir").write_text("../..\n")
    (tmp / "gitdir").write_text(f"{path / '.git'}\n")
    (tmp / "HEAD").write_text(f"{commit}\n")
    os.rename(tmp, admin)
    filled = run_git(path, ["read-tree", "-u", "--reset", commit])
    if not filled.ok:
        remove_checkout(path)
        raise WorkspaceError(f"checkout of {commit[:12]} at {path}: {filled.message}")


@functools.lru_cache(maxsize=16)
def common_dir(repo: Path) -> Path:
    """The repository's own git folder (the one its worktrees share)."""
    out = run_git(repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"])
    if not out.ok:
        raise WorkspaceError(f"{repo}: not a git repository ({out.message})")
    return Path(out.stdout.strip())


def remove_checkout(path: Path) -> None:
    """Remove a job's worktree, files and git's record of it (what the job wrote goes
    too; the commit stays)."""
    with contextlib.suppress(OSError):
        pointer = (path / ".git").read_text()
        if pointer.startswith("gitdir: "):
            admin = Path(pointer.removeprefix("gitdir: ").strip())
            if admin.parent.name == "worktrees":
                shutil.rmtree(admin, ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)


def prune_checkouts(repo: Path) -> None:
    """Forget job worktrees whose files are gone (left by an orgd that stopped)."""
    with ADMIN_LOCK:
        run_git(repo, ["worktree", "prune"])
