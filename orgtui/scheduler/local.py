"""The local runner: jobs as processes on this machine, through `wrapper.py`.

A launcher (`wrapper.py --serve`, started once) forks a wrapper for each job and says when
one has ended, so orgd hears of a job's end at once; if the launcher goes, the jobs' ends are
found by their status files (`Started.ended` is then never set: the caller polls).

Each job has a folder `<workdir>/jobs/<id>/`: `spec.json` (what the wrapper runs), `status`
(written by the wrapper when the job has ended), `status.pid` (the job's pid, its process
group). The log is `<workdir>/jobs/<id>.log`. The wrapper runs in a session of its own, so
orgd can die and start again: a job still running is known by its wrapper's pid and that
process's start time (a pid alone may have been reused), one that ended meanwhile by its
status file, and one with neither is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
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
    """Set when the launcher says the wrapper ended."""


class LocalRunner:
    def __init__(self, jobs_dir: Path) -> None:
        self.jobs_dir = jobs_dir
        self._launcher: asyncio.subprocess.Process | None = None
        self._answers: asyncio.Queue[tuple[int, asyncio.Event]] = asyncio.Queue()
        self._ended: dict[int, asyncio.Event] = {}
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
                event = self._ended.pop(int(rest), None)
                if event is not None:
                    event.set()
            elif word.isdigit():  # the event exists before its `exit` can come
                event = self._ended[int(word)] = asyncio.Event()
                self._answers.put_nowait((int(word), event))
        await launcher.wait()
        # The wrappers it forked run on: their ends are for the status files now.
        self._ended.clear()
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
        folder.mkdir(parents=True, exist_ok=True)
        self.status_path(job).unlink(missing_ok=True)
        spec = {
            "argv": argv, "cwd": str(cwd), "env": env, "log": str(self.log_path(job)),
            "status": str(self.status_path(job)), "limit": limit, "kill_after": kill_after,
            "cores": list(cores),
        }  # fmt: skip
        (folder / "spec.json").write_text(json.dumps(spec))
        async with self._lock:  # one request, one answer, in order
            launcher = await self._ensure_launcher()
            assert launcher.stdin is not None
            launcher.stdin.write(f"{folder / 'spec.json'}\n".encode())
            await launcher.stdin.drain()
            pid, ended = await asyncio.wait_for(self._answers.get(), 10)
        return Started(pid, start_time(pid) or 0, ended)

    async def close(self) -> None:
        """orgd stops: the launcher goes (the jobs do not)."""
        if self._launcher is not None and self._launcher.returncode is None:
            assert self._launcher.stdin is not None
            self._launcher.stdin.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._launcher.wait(), 2)

    def ended(self, job: int) -> dict[str, Any] | None:
        """How the job ended, once its wrapper has said so."""
        try:
            return json.loads(self.status_path(job).read_text())
        except (OSError, ValueError):
            return None

    def alive(self, pid: int | None, pid_start: int | None) -> bool:
        """Whether the wrapper `pid` started at `pid_start` still runs."""
        return pid is not None and start_time(pid) == pid_start

    def job_pid(self, job: int) -> int | None:
        try:
            return int(self.status_path(job).with_suffix(".pid").read_text())
        except (OSError, ValueError):
            return None

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
