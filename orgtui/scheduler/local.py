"""The local runner: jobs as processes on this machine, through `wrapper.py`.

A launcher (`wrapper.py --serve`, started once) forks a wrapper for each job and says when
one has ended, so orgd hears of a job's end at once; if the launcher goes, the jobs' ends are
found by their status files (`Started.ended` is then never set: the caller polls).

A job's spec, its environment included, goes to the launcher through its stdin, never to a
file: an agent's secrets stay in memory. Each job has a folder `<workdir>/jobs/<id>/` (0700):
`status` (written by the wrapper when the job has ended) and `status.pid` (the job's pid,
which is its process group, and that process's start time), both 0600. The log is
`<workdir>/jobs/<id>.log` (0600). The wrapper runs in a session of its own, so orgd can die
and start again: a job still running is known by its wrapper's pid and that process's start
time (a pid alone may have been reused), one that ended meanwhile by its status file, and
one with neither is lost, its group killed (`kill_job`). A status the wrapper could not
write (a full disk) comes through the launcher instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WRAPPER = Path(__file__).with_name("wrapper.py")


def start_time(pid: int) -> int | None:
    """A process's start time (clock ticks since boot), or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


@dataclass
class Started:
    pid: int
    """The wrapper's pid."""
    pid_start: int
    """Its start time, for re-adoption."""
    ended: asyncio.Event
    """Set when the launcher says the wrapper ended, or relays its status."""
    status: dict[str, Any] | None = None
    """The status the wrapper could not write to its file, relayed by the launcher."""


class LocalRunner:
    def __init__(self, jobs_dir: Path) -> None:
        self.jobs_dir = jobs_dir
        self._launcher: asyncio.subprocess.Process | None = None
        self._answers: asyncio.Queue[Started] = asyncio.Queue()
        self._wrappers: dict[int, Started] = {}  # by wrapper pid, until its `exit`
        self._jobs: dict[int, Started] = {}  # by job, until `forget`
        self._lock = asyncio.Lock()
        self.launcher_lost = asyncio.Event()  # the jobs it started are to be polled

    def folder(self, job: int) -> Path:
        return self.jobs_dir / str(job)

    def log_path(self, job: int) -> Path:
        return self.jobs_dir / f"{job}.log"

    def status_path(self, job: int) -> Path:
        return self.folder(job) / "status"

    async def _ensure_launcher(self) -> asyncio.subprocess.Process:
        if self._launcher is None or self._launcher.returncode is not None:
            self._launcher = await asyncio.create_subprocess_exec(
                sys.executable, "-S", "-E", str(WRAPPER), "--serve",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
            self._answers = asyncio.Queue()
            self.launcher_lost = asyncio.Event()  # the jobs this one starts are its own
            asyncio.get_running_loop().create_task(self._read(self._launcher, self.launcher_lost))
        return self._launcher

    async def _read(self, launcher: asyncio.subprocess.Process, lost: asyncio.Event) -> None:
        assert launcher.stdout is not None
        while line := await launcher.stdout.readline():
            word, _, rest = line.decode().strip().partition(" ")
            if word == "exit" and rest.isdigit():
                started = self._wrappers.pop(int(rest), None)
                if started is not None:
                    started.ended.set()
            elif word == "status":
                who, _, text = rest.partition(" ")
                started = self._wrappers.get(int(who)) if who.isdigit() else None
                if started is not None:
                    with contextlib.suppress(ValueError):
                        started.status = json.loads(text)
                    started.ended.set()
            elif word.isdigit():  # known before its `exit` can come
                pid = int(word)
                started = self._wrappers[pid] = Started(pid, start_time(pid) or 0, asyncio.Event())
                self._answers.put_nowait(started)
        await launcher.wait()
        # The wrappers it forked run on: their ends are for the status files now.
        self._wrappers.clear()
        lost.set()

    async def start(
        self,
        job: int,
        argv: list[str],
        cwd: Path,
        env: dict[str, str],
        limit: float | None,
        cores: tuple[int, ...] = (),
        kill_after: float = 5.0,
    ) -> Started:
        folder = self.folder(job)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.status_path(job).unlink(missing_ok=True)
        spec = {
            "argv": argv, "cwd": str(cwd), "env": env, "log": str(self.log_path(job)),
            "status": str(self.status_path(job)), "limit": limit, "kill_after": kill_after,
            "cores": list(cores),
        }  # fmt: skip
        line = json.dumps(spec).encode() + b"\n"  # JSON escapes every newline in it
        async with self._lock:  # one request, one answer, in order
            launcher = await self._ensure_launcher()
            assert launcher.stdin is not None
            launcher.stdin.write(line)
            await launcher.stdin.drain()
            started = await asyncio.wait_for(self._answers.get(), 10)
        self._jobs[job] = started
        return started

    async def close(self) -> None:
        """orgd stops: the launcher goes (the jobs do not)."""
        if self._launcher is not None and self._launcher.returncode is None:
            assert self._launcher.stdin is not None
            self._launcher.stdin.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._launcher.wait(), 2)

    def remove_specs(self) -> None:
        """Remove the `spec.json` files an older orgtui wrote, with jobs' environments (and
        agents' secrets) in them."""
        for spec in self.jobs_dir.glob("*/spec.json"):
            spec.unlink(missing_ok=True)

    def ended(self, job: int) -> dict[str, Any] | None:
        """How the job ended, once its wrapper has said so (in its file, or relayed)."""
        try:
            return json.loads(self.status_path(job).read_text())
        except (OSError, ValueError):
            started = self._jobs.get(job)
            return None if started is None else started.status

    def forget(self, job: int) -> None:
        """The job's end is recorded: its relayed status is no longer needed."""
        self._jobs.pop(job, None)

    def alive(self, pid: int | None, pid_start: int | None) -> bool:
        """Whether the wrapper `pid` started at `pid_start` still runs."""
        return pid is not None and start_time(pid) == pid_start

    def job_pid(self, job: int) -> int | None:
        """The job's pid (its process group), unless that pid now names another process."""
        try:
            words = self.status_path(job).with_suffix(".pid").read_text().split()
            pid, since = int(words[0]), int(words[1]) if len(words) > 1 else 0
        except (OSError, ValueError, IndexError):
            return None
        now = start_time(pid)
        if since and now is not None and now != since:
            return None  # the job's leader is gone and its pid reused: not its group
        return pid

    def signal(self, job: int, sig: signal.Signals) -> bool:
        """Signal the job's process group; False if it has none any more."""
        pid = self.job_pid(job)
        if pid is None:
            return False
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    async def kill_job(self, job: int, wait: float = 5.0) -> bool:
        """SIGKILL the job's process group and wait (up to `wait` s) until it is gone;
        whether it had processes left."""
        pgid = self.job_pid(job)
        if pgid is None or not await asyncio.to_thread(group_alive, pgid):
            return False
        self.signal(job, signal.SIGKILL)
        deadline = time.monotonic() + wait
        while await asyncio.to_thread(group_alive, pgid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return True


def group_alive(pgid: int) -> bool:
    """Whether process group `pgid` has a process that is not a zombie (whose parent may
    never reap it: a killed job's parent, its wrapper, may be gone)."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                return True
    return False
