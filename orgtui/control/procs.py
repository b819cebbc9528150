"""Processes as /proc shows them: an agent's process tree and session, a process's ancestors,
the processes that still carry an org's `ORGTUI_ORG`, and stopping them with escalating
signals."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    sid: int
    start: int
    """Start time in clock ticks after boot: with the pid, names one process for good."""


def read_proc(pid: int) -> Proc | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name sits in parentheses and may hold spaces: split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return Proc(pid=pid, ppid=int(fields[1]), sid=int(fields[3]), start=int(fields[19]))


def ancestors(pid: int) -> list[Proc]:
    """`pid` and its parents, up to the first process (empty if `pid` is gone)."""
    chain: list[Proc] = []
    seen: set[int] = set()
    while pid > 0 and pid not in seen and (proc := read_proc(pid)) is not None:
        chain.append(proc)
        seen.add(pid)
        pid = proc.ppid
    return chain


def own_processes() -> list[Proc]:
    """Every process of this user."""
    uid = os.getuid()
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
        except OSError:
            continue
        proc = read_proc(int(entry.name))
        if proc:
            found.append(proc)
    return found


def tree(roots: Iterable[int], procs: list[Proc]) -> set[int]:
    """`roots`, their descendants, and every process in a session one of them leads."""
    roots = set(roots)
    found = {p.pid for p in procs if p.pid in roots or p.sid in roots}
    children: dict[int, list[int]] = {}
    for p in procs:
        children.setdefault(p.ppid, []).append(p.pid)
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def carrying(var: str, value: str, procs: list[Proc]) -> set[int]:
    """Processes whose environment holds `var=value`."""
    needle = f"{var}={value}".encode()
    found = set()
    for p in procs:
        try:
            environ = (PROC / str(p.pid) / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.add(p.pid)
    return found


def alive(pids: Iterable[int]) -> set[int]:
    """Those of `pids` still running (zombies count as gone)."""
    left = set()
    for pid in pids:
        try:
            state = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        if state[state.rindex(")") + 2] != "Z":
            left.add(pid)
    return left


def stop(pids: set[int], steps: tuple[signal.Signals, ...], wait: float = 1.5) -> set[int]:
    """Signal `pids` with each of `steps` in turn, waiting up to `wait` seconds after each for
    them to exit; the pids still alive at the end."""
    left = alive(pids)
    for sig in steps:
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while (left := alive(left)) and time.monotonic() < deadline:
            time.sleep(0.05)
    return left


def describe(pid: int) -> str:
    """`PID (command line)`, shortened, for a message that names a process."""
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return str(pid)
    line = " ".join(a.decode(errors="replace") for a in argv)
    return f"{pid} ({line[:60]}{'...' if len(line) > 60 else ''})" if line else str(pid)


AGENT_STOP = (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL)
