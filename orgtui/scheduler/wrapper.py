"""`python -m orgtui.scheduler.wrapper SPEC_JSON`: runs one job and writes how it ended.

orgd starts this wrapper in a session of its own; the wrapper starts the job in another
(its own process group), with its output to the job's log, its CPU affinity when it runs on
a CPU slot, and waits for it. At the job's time limit (budget plus grace) it sends the job's
group SIGTERM, and SIGKILL `kill_after` seconds later. When the job is gone it writes the
status file (`exit_code`, `signal`, `timed_out`, `ended_at`), atomically, and exits. Being
outside both orgd's session and the job's group, it sees the job's end even while orgd is
down, and a job killed at its limit is known as a timeout, not lost.

The spec (JSON): argv, cwd, env, log, status, limit (seconds, or null), kill_after, cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def write_status(path: Path, **status: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**status, "ended_at": time.time()}))
    os.replace(tmp, path)


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def run(spec: dict[str, Any]) -> int:
    status = Path(spec["status"])
    cores = spec.get("cores") or None
    with open(spec["log"], "ab", buffering=0) as log:

        def prepare() -> None:  # in the job's process, before exec
            if cores:
                os.sched_setaffinity(0, cores)

        try:
            job = subprocess.Popen(
                spec["argv"],
                cwd=spec["cwd"],
                env=spec["env"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=prepare,
            )
        except OSError as e:
            log.write(f"orgtui: cannot run {spec['argv'][0]!r}: {e.strerror or e}\n".encode())
            write_status(status, exit_code=127, signal=None, timed_out=False, error=str(e))
            return 0
    Path(spec["status"]).with_suffix(".pid").write_text(f"{job.pid}\n")
    limit = spec.get("limit")
    deadline = None if limit is None else time.monotonic() + float(limit)
    timed_out = False
    killed_at: float | None = None
    while True:
        try:
            code = job.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if deadline is not None and now >= deadline and killed_at is None:
            timed_out = True
            _kill_group(job.pid, signal.SIGTERM)
            killed_at = now
        elif killed_at is not None and now >= killed_at + float(spec.get("kill_after", 5)):
            _kill_group(job.pid, signal.SIGKILL)
            killed_at = float("inf")
    # What the job left behind in its group goes too.
    _kill_group(job.pid, signal.SIGKILL)
    sig = -code if code < 0 else None
    write_status(
        status, exit_code=None if sig else code, signal=sig, timed_out=timed_out, error=None
    )
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m orgtui.scheduler.wrapper SPEC_JSON", file=sys.stderr)
        return 2
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a terminal going away is not our end
    return run(json.loads(Path(argv[0]).read_text()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
