"""The local runner: jobs as processes on this machine, through `wrapper.py`.

Each job has a folder `<workdir>/jobs/<id>/`: `spec.json` (what the wrapper runs), `status`
(written by the wrapper when the job has ended), `status.pid` (the job's pid, its process
group). The log is `<workdir>/jobs/<id>.log`. The wrapper runs in a session of its own, so
orgd can die and start again: a job still running is known by its wrapper's pid and that
process's start time (a pid alone may have been reused), one that ended meanwhile by its
status file, and one with neither is lost.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
    process: asyncio.subprocess.Process | None = None
    """When this orgd started it: awaiting it says at once that the job ended."""


class LocalRunner:
    def __init__(self, jobs_dir: Path) -> None:
        self.jobs_dir = jobs_dir

    def folder(self, job: int) -> Path:
        return self.jobs_dir / str(job)

    def log_path(self, job: int) -> Path:
        return self.jobs_dir / f"{job}.log"

    def status_path(self, job: int) -> Path:
        return self.folder(job) / "status"

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
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "orgtui.scheduler.wrapper", str(folder / "spec.json"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        return Started(process.pid, start_time(process.pid) or 0, process)

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
