"""Runs jobs and writes how each ended: `python -S -E wrapper.py --serve` (orgd's launcher),
or `python -S -E wrapper.py SPEC_JSON` for one job.

As orgd's launcher it reads one spec path per line on stdin and, for each, forks a wrapper
(answering its pid on stdout), and writes `exit PID` when a wrapper it forked has ended; it
stops at the end of its input (orgd gone), leaving the wrappers running. Forking from this
small, single-threaded process costs a millisecond, where starting Python costs tens.

orgd starts this wrapper in a session of its own; the wrapper starts the job in another
(its own process group), with its output to the job's log and, on a CPU slot, its CPU
affinity, and waits for it. At the job's time limit (budget plus grace) it sends the job's
group SIGTERM, and SIGKILL `kill_after` seconds later. When the job is gone it writes the
status file (`exit_code`, `signal`, `timed_out`, `error`, `ended_at`) atomically and exits.
Being outside both orgd's session and the job's group, it sees the job's end even while orgd
is down, and a job killed at its limit is known as a timeout, not lost.

It runs by its path with the standard library only (no site, no orgtui import) and spawns
the job with `posix_spawn`, waiting on a pidfd: a job's start and end cost milliseconds.

The spec (JSON): argv, cwd, env, log, status, limit (seconds, or null), kill_after, cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time


def write_status(path: str, **status: object) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(dict(status, ended_at=time.time())))
    os.replace(tmp, path)


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def spawn(spec: dict) -> int:
    """The job's pid; OSError if its program cannot be run."""
    if spec.get("cores"):  # inherited by the job
        os.sched_setaffinity(0, spec["cores"])
    log = os.open(spec["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        argv = spec["argv"]
        cwd = spec["cwd"]
        # posix_spawn has no chdir before Python 3.13's file actions: resolve the program
        # against the job's PATH and run from its folder by changing ours (we need none).
        os.chdir(cwd)
        os.environ["PATH"] = spec["env"].get("PATH", os.defpath)  # where spawnp looks
        return os.posix_spawnp(
            argv[0],
            argv,
            spec["env"],
            file_actions=[
                (os.POSIX_SPAWN_DUP2, null, 0),
                (os.POSIX_SPAWN_DUP2, log, 1),
                (os.POSIX_SPAWN_DUP2, log, 2),
            ],
            setsid=True,
            # What Python and the launcher ignore, the job must not.
            setsigdef=(signal.SIGHUP, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD),
        )
    finally:
        os.close(log)
        os.close(null)


def run(spec: dict) -> int:
    status = spec["status"]
    try:
        pid = spawn(spec)
    except OSError as e:
        with open(spec["log"], "ab") as log:
            log.write(f"orgtui: cannot run {spec['argv'][0]!r}: {e.strerror or e}\n".encode())
        write_status(status, exit_code=127, signal=None, timed_out=False, error=str(e))
        return 0
    with open(status + ".pid", "w") as f:
        f.write(f"{pid}\n")
    pidfd = os.pidfd_open(pid)
    limit = spec.get("limit")
    deadline = None if limit is None else time.monotonic() + float(limit)
    timed_out = False
    kill_at = None
    while True:
        now = time.monotonic()
        waits = [t - now for t in (deadline if not timed_out else None, kill_at) if t is not None]
        ready, _, _ = select.select([pidfd], [], [], max(0.0, min(waits)) if waits else None)
        if ready:
            break
        now = time.monotonic()
        if not timed_out and deadline is not None and now >= deadline:
            timed_out = True
            kill_group(pid, signal.SIGTERM)
            kill_at = now + float(spec.get("kill_after", 5))
        elif kill_at is not None and now >= kill_at:
            kill_group(pid, signal.SIGKILL)
            kill_at = None
    _, code = os.waitpid(pid, 0)
    kill_group(pid, signal.SIGKILL)  # what the job left behind in its group goes too
    sig = os.WTERMSIG(code) if os.WIFSIGNALED(code) else None
    exit_code = None if sig else os.WEXITSTATUS(code)
    write_status(status, exit_code=exit_code, signal=sig, timed_out=timed_out, error=None)
    return 0


def one(path: str) -> int:
    with open(path) as f:
        return run(json.load(f))


def wrapper(path: str, *inherited: int) -> None:
    """In a forked child: become a wrapper of our own, in a session of our own."""
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in inherited:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    code = 1
    try:
        code = one(path)
    finally:
        os._exit(code)


def serve() -> int:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    pending = b""
    out = sys.stdout.fileno()
    while True:
        try:
            ready, _, _ = select.select([0, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 4096)
        while True:  # every wrapper that ended
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            os.write(out, f"exit {pid}\n".encode())
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                return 0  # orgd is gone: the wrappers go on without us
            *paths, pending = (pending + data).split(b"\n")
            for path in paths:
                pid = os.fork()
                if pid == 0:
                    wrapper(path.decode(), wake_r, wake_w)
                os.write(out, f"{pid}\n".encode())


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a terminal going away is not our end
    if argv == ["--serve"]:
        return serve()
    if len(argv) != 1:
        print("usage: python -S -E wrapper.py --serve | SPEC_JSON", file=sys.stderr)
        return 2
    return one(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
