"""Stopping an org for good: its agents, every process still carrying its `ORGTUI_ORG`, and its
tmux server. Used by orgd's `down` handler and, when orgd is gone or does not answer, by
`orgtui down` itself (which then stops that orgd first: `stop_daemon`)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable
from pathlib import Path

from orgtui.control import procs
from orgtui.tmux.server import TmuxError, TmuxServer


def pane_pids(server: TmuxServer) -> set[int]:
    try:
        out = server.run("list-panes", "-a", "-F", "#{pane_pid}")
    except TmuxError:
        return set()
    return {int(x) for x in out.split() if x.isdigit()}


def stop_org(server: TmuxServer, org_file: Path, spare: Iterable[int] = ()) -> list[int]:
    """Stop the org's agents (SIGHUP, SIGTERM, SIGKILL), any process still carrying its
    ORGTUI_ORG, and its tmux server. `spare` (and this process) are left alone; the pids that
    would not die are returned."""
    spare = set(spare) | {os.getpid()}
    roots = pane_pids(server)
    everyone = procs.own_processes()
    targets = procs.tree(roots, everyone) | procs.carrying("ORGTUI_ORG", str(org_file), everyone)
    left = procs.stop(targets - spare, procs.AGENT_STOP)
    server.kill()
    # A process an agent left behind may have started only while the agents were stopping.
    late = procs.carrying("ORGTUI_ORG", str(org_file), procs.own_processes()) - spare
    left |= procs.stop(late, procs.AGENT_STOP)
    return sorted(left)


def stop_daemon(pid: int, wait: float = 3.0) -> bool:
    """Stop an orgd that does not answer: SIGCONT (a stopped process holds SIGTERM pending
    until it runs again) with SIGTERM, then SIGKILL; whether it is gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGCONT)
    return not procs.stop({pid}, (signal.SIGTERM, signal.SIGKILL), wait=wait)
