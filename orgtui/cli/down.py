"""`orgtui down [ORG] [--wait] [--clean [--force]]`: stop the org, and with `--clean` remove
its worktrees, never deleting an agent's files without `--force`.

orgd stops the org when it answers. When it is gone, or does not answer within
`ANSWER_SECONDS` (stopped, hung), `down` stops it (SIGCONT and SIGTERM, then SIGKILL) and then
the rest itself. It exits 1 only for what it could not stop, and names it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from orgtui.cli.common import FAILED, CliError, _org_option, org_info
from orgtui.config.runtime import OrgRuntime, resolve
from orgtui.protocol.client import DaemonUnreachable, VersionMismatch, call
from orgtui.protocol.messages import TIMEOUT, RequestError
from orgtui.protocol.org import Down, Hello

ANSWER_SECONDS = 5.0
"""How long orgd has to answer `hello` before `down` takes it for hung."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("down", help="stop the org")
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    _org_option(p)
    p.add_argument("--wait", action="store_true", help="let running jobs finish first")
    p.add_argument(
        "--clean",
        action="store_true",
        help="also remove worktrees that hold nothing but committed work (branches stay)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --clean: remove worktrees with uncommitted, untracked or ignored files too",
    )
    p.set_defaults(func=cmd_down)


def cmd_down(args: argparse.Namespace) -> int:
    rt = resolve(args.org or args.org_arg, running_only=False)
    survivors = stop(rt, args.wait)
    print(f"org {rt.name} is down")
    status = 0
    if survivors:
        from orgtui.control.procs import describe

        print("these processes would not die:", file=sys.stderr)
        for pid in survivors:
            print(f"  {describe(pid)}", file=sys.stderr)
        status = FAILED
    if args.clean and not clean(rt, args.force):
        status = FAILED
    return status


def stop(rt: OrgRuntime, wait: bool) -> list[int]:
    """Stop the org through its orgd, or without it; the pids that would not die."""
    pid = rt.daemon_pid()
    try:
        call(rt.orgd_sock, Hello(), timeout=ANSWER_SECONDS)
        # With --wait, running jobs finish first: as long as their budgets.
        return call(rt.orgd_sock, Down(wait=wait), timeout=7 * 86400 if wait else 120).survivors
    except VersionMismatch as e:  # that orgd would not stop its jobs: it must be restarted
        raise CliError(str(e), FAILED) from None
    except (DaemonUnreachable, RequestError) as e:
        hung = isinstance(e, RequestError) and e.code == TIMEOUT
        if hung and pid:
            print(f"orgd (pid {pid}) did not answer: {e}; stopping it", file=sys.stderr)
    # orgd is gone, hung or failed: stop it and what it left running ourselves.
    from orgtui.control import failure
    from orgtui.control.shutdown import stop_daemon, stop_org
    from orgtui.scheduler.slurm_cluster import cancel_jobs
    from orgtui.tmux.server import TmuxServer

    left = [] if pid is None or stop_daemon(pid) else [pid]
    left += stop_org(TmuxServer(rt.tmux_sock), rt.file)
    cancelled = cancel_jobs(f"orgtui.{rt.dir.name}")  # backend = "slurm": its jobs in Slurm
    if cancelled:
        print(f"cancelled the org's Slurm jobs {', '.join(cancelled)}", file=sys.stderr)
    if pid not in left:  # what a dead orgd left: it is down now, not broken
        failure.clear(rt.dir)
        rt.remove(patience=2.0)  # as orgd does after `down`; kept while something uses it
    return left


def clean(rt: OrgRuntime, force: bool) -> bool:
    """Remove the org's worktrees (their branches stay); False when some were kept, each named
    with what removing it would delete."""
    from orgtui.agents.prompts import PROMPT_FILES
    from orgtui.agents.skills import uninstall_skills
    from orgtui.workspace import remove_worktrees, unsaved_work

    info = org_info(rt)
    workdir = Path(info["workdir"])
    trees = workdir / "worktrees"
    agents = sorted(p.name for p in trees.glob("*") if p.is_dir())
    for name in agents:  # orgtui's copies of the org's skills: `up` installs them again
        uninstall_skills(trees / name)
    removed, kept = remove_worktrees(
        Path(info["repo"]), workdir, agents, force=force, generated=PROMPT_FILES
    )
    for name in removed:
        print(f"removed worktree {trees / name} (its branch stays)")
    for name in kept:
        work = unsaved_work(trees / name, PROMPT_FILES)
        what = ", ".join(work[:20]) + (f" and {len(work) - 20} more" if len(work) > 20 else "")
        reason = f"it holds work --clean would delete: {what}" if work else "it is locked"
        print(f"kept worktree {name} ({trees / name}): {reason}", file=sys.stderr)
    if kept:
        print(f"`orgtui down {rt.file} --clean --force` removes them", file=sys.stderr)
    return not kept
