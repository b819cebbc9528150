"""Runs jobs and says how each ended: `python -S -E wrapper.py --serve`, orgd's launcher.

It reads one job's spec per line on stdin (JSON: the job's environment reaches the job
through this pipe and memory only, never a file), forks a wrapper for each (answering its
pid on stdout), and writes `exit PID` when a wrapper it forked has ended; it stops at the end
of its input (orgd gone), leaving the wrappers running. Forking from this small,
single-threaded process costs a millisecond, where starting Python costs tens.

The wrapper runs in a session of its own and starts the job in another (its own process
group), with its output to the job's log and, on a CPU slot, its CPU affinity, and waits for
it. At the job's time limit (budget plus grace) it sends the job's group SIGTERM, and
SIGKILL `kill_after` seconds later. When the job is gone it writes the status file
(`exit_code`, `signal`, `timed_out`, `error`, `ended_at`, and for a job that ran `max_rss_mb`:
the largest resident memory, in MiB, of the job's process or of any descendant it waited for,
as the kernel measured it when reaping the job) atomically and exits. Being outside both orgd's
session and the job's group, it sees the job's end even while orgd is down, and a job killed at
its limit is known as a timeout, not lost.

A full disk must not lose a job's end: before the job starts, the wrapper makes its records
(`status.pid`: the job's pid and start time; `status.tmp`: room for the status) and reserves
their space, so they are filled in place without needing more of it (no job starts when they
cannot be made). Should the status still not fit (a copy-on-write filesystem), the wrapper
sends it through the launcher (`status PID JSON` on stdout, so orgd records the job's end at
once) and keeps trying the file until space returns, for an orgd that starts later.

It runs by its path with the standard library only (no site, no orgtui import) and spawns
the job with `posix_spawn`, waiting on a pidfd: a job's start and end cost milliseconds. Every
file it makes is the user's alone (0600).

The spec: argv, cwd, env, log, status, limit (seconds, or null), kill_after, cores.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import signal
import sys
import time

ROOM = 4096
"""Bytes reserved for the status file before the job starts (a status is a few hundred)."""
FULL = (errno.ENOSPC, errno.EDQUOT)


def process_start(pid: int) -> int:
    """A process's start time in clock ticks since boot (0: unknown)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


class Records:
    """A job's status files, made and given their room before the job starts: `pid` and
    `status` then need no more space."""

    def __init__(self, status: str) -> None:
        self.path = status
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        self.pid_fd = os.open(status + ".pid", flags, 0o600)
        self.tmp_fd = -1
        try:
            os.posix_fallocate(self.pid_fd, 0, 64)
            self.tmp_fd = os.open(status + ".tmp", flags, 0o600)
            os.posix_fallocate(self.tmp_fd, 0, ROOM)
        except OSError:
            self.close()
            raise

    def job_started(self, pid: int) -> None:
        data = f"{pid} {process_start(pid)}\n".encode()
        os.pwrite(self.pid_fd, data, 0)
        os.ftruncate(self.pid_fd, len(data))

    def ended(self, status: dict) -> None:
        """Write the status in its room and rename it into place (OSError: it did not fit)."""
        data = json.dumps(status).encode()
        os.pwrite(self.tmp_fd, data, 0)
        os.ftruncate(self.tmp_fd, len(data))
        os.rename(self.path + ".tmp", self.path)

    def close(self) -> None:
        for fd in (self.pid_fd, self.tmp_fd):
            if fd >= 0:
                os.close(fd)
        self.pid_fd = self.tmp_fd = -1


def write_status(path: str, status: dict) -> None:
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(status).encode())
    finally:
        os.close(fd)
    os.rename(tmp, path)


def report(spec: dict, records: Records | None, relay: int, **status: object) -> None:
    """Say how the job ended: in its status file, else through the launcher at once and in
    the file once space returns."""
    status = dict(status, ended_at=time.time())
    if records is None:
        status["records_error"] = f"{spec['status']}: its records could not be made"
    else:
        try:
            records.ended(status)
            return
        except OSError as e:
            status["records_error"] = f"{spec['status']}: {e.strerror or e}"
    with contextlib.suppress(OSError):  # the launcher gone or not reading: the file will do
        os.write(relay, f"status {os.getpid()} {json.dumps(status)}\n".encode())
    pause = 0.5
    while True:
        try:
            write_status(spec["status"], status)
            return
        except OSError as e:
            if e.errno not in FULL:
                return  # its folder is gone: nobody will read it
        time.sleep(pause)
        pause = min(pause * 2, 10.0)


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def spawn(spec: dict) -> int:
    """The job's pid; OSError if its program cannot be run."""
    if spec.get("cores"):  # inherited by the job
        os.sched_setaffinity(0, spec["cores"])
    log = os.open(spec["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
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


def run(spec: dict, relay: int) -> int:
    def failed(e: OSError, what: str) -> int:
        with contextlib.suppress(OSError), open(spec["log"], "ab") as log:
            log.write(f"orgtui: {what}: {e.strerror or e}\n".encode())
        report(spec, records, relay, exit_code=127, signal=None, timed_out=False,
               error=str(e)[:1000])  # fmt: skip
        return 0

    records = None
    try:
        records = Records(spec["status"])
    except OSError as e:
        return failed(e, "the job's records could not be made, so it did not start")
    try:
        pid = spawn(spec)
    except OSError as e:
        return failed(e, f"cannot run {spec['argv'][0]!r}")
    try:
        records.job_started(pid)
    except OSError as e:  # its group could not be known to orgd: it must not run
        kill_group(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return failed(e, "the job's pid could not be recorded, so it was stopped")
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
    _, code, usage = os.wait4(pid, 0)
    kill_group(pid, signal.SIGKILL)  # what the job left behind in its group goes too
    sig = os.WTERMSIG(code) if os.WIFSIGNALED(code) else None
    exit_code = None if sig else os.WEXITSTATUS(code)
    rss = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    report(spec, records, relay, exit_code=exit_code, signal=sig, timed_out=timed_out, error=None,
           max_rss_mb=rss)  # fmt: skip
    return 0


def wrapper(line: bytes, relay: int, *inherited: int) -> None:
    """In a forked child: become a wrapper of our own, in a session of our own."""
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in inherited:
        os.close(fd)
    os.set_blocking(relay, False)  # a launcher that does not read must not hold us
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    code = 1
    try:
        code = run(json.loads(line), relay)
    finally:
        os._exit(code)


def serve() -> int:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    relay_r, relay_w = os.pipe()  # the wrappers' statuses that found no room on disk
    os.set_blocking(relay_r, False)
    pending = relayed = b""
    out = sys.stdout.fileno()
    while True:
        try:
            ready, _, _ = select.select([0, wake_r, relay_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 4096)
        # A wrapper's status line is written before it exits: relay it before its `exit`.
        with contextlib.suppress(BlockingIOError):
            while data := os.read(relay_r, 65536):
                *lines, relayed = (relayed + data).split(b"\n")
                for line in lines:
                    os.write(out, line + b"\n")
        while True:  # every wrapper that ended
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            os.write(out, f"exit {pid}\n".encode())
        if 0 in ready:
            data = os.read(0, 1 << 20)
            if not data:
                return 0  # orgd is gone: the wrappers go on without us
            *specs, pending = (pending + data).split(b"\n")
            for spec in specs:
                pid = os.fork()
                if pid == 0:
                    wrapper(spec, relay_w, wake_r, wake_w, relay_r)
                os.write(out, f"{pid}\n".encode())


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a terminal going away is not our end
    if argv != ["--serve"]:
        print("usage: python -S -E wrapper.py --serve  (job specs on stdin)", file=sys.stderr)
        return 2
    return serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
