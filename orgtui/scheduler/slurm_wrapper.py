"""Runs one job inside its Slurm allocation: `python3 -S -E slurm_wrapper.py FOLDER`.

orgd copies this file and `wrapper.py` (whose `Records`, `spawn` and `report` it uses) into
the org's folder under `[scheduler] shared_dir`; the job's batch script runs the org's
`[scheduler.slurm] setup` lines, then this, with the node's Python and the standard library
only. FOLDER (the job's, on the shared filesystem) holds `spec.json` (argv, cwd, log, limit,
kill_after: no environment; the job's environment is the batch script's, as sbatch exported
it, with the `CUDA_VISIBLE_DEVICES` Slurm gave the allocation).

On the node it writes `started` (when it started, the node, the GPUs, Slurm's job id and
restart count: the start orgd records, so time in Slurm's queue is never charged) and then
runs the job exactly as the local wrapper does: its own process group, output appended to
the job's log, SIGTERM at its limit (budget plus grace, counted from the start on the node)
and SIGKILL `kill_after` seconds later, `status` written when it has ended. A SIGTERM to the
wrapper itself comes from Slurm (a cancel, a requeue, preemption, Slurm's own time limit): it
passes it to the job and says so in the status (`terminated`), and orgd asks Slurm what
happened. Everything it writes is 0600.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time

if __package__:  # imported as part of orgtui (its tests, the type checker)
    from orgtui.scheduler import wrapper
else:  # run by its path in shared_dir: wrapper.py is beside it, first on sys.path
    import wrapper  # type: ignore[import-not-found, no-redef]


def run(folder: str) -> int:
    with open(os.path.join(folder, "spec.json")) as f:
        spec = json.load(f)
    spec["status"] = os.path.join(folder, "status")
    spec["env"] = dict(os.environ)
    os.umask(0o077)
    for stale in ("status", "status.tmp", "status.pid"):  # an earlier attempt's (a requeue)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, stale))
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    terminated: list[int] = []
    signal.signal(signal.SIGTERM, lambda sig, _: terminated.append(sig))
    signal.signal(signal.SIGINT, lambda sig, _: terminated.append(sig))
    wrapper.write_status(os.path.join(folder, "started"), {
        "at": time.time(),
        "node": os.uname().nodename.split(".")[0],
        "gpus": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
        "slurm_job": os.environ.get("SLURM_JOB_ID", ""),
        "restart": int(os.environ.get("SLURM_RESTART_COUNT") or 0),
    })  # fmt: skip
    relay = os.open(os.devnull, os.O_WRONLY)  # no launcher here: the file is the only way
    try:
        records = wrapper.Records(spec["status"])
    except OSError as e:
        return fail(
            spec, None, relay, e, "the job's records could not be made, so it did not start"
        )
    try:
        pid = wrapper.spawn(spec)
    except OSError as e:
        return fail(spec, records, relay, e, f"cannot run {spec['argv'][0]!r}")
    records.job_started(pid)
    pidfd = os.pidfd_open(pid)
    limit = spec.get("limit")
    deadline = None if limit is None else time.monotonic() + float(limit)
    timed_out = False
    kill_at = None
    while True:
        now = time.monotonic()
        first = None if timed_out or terminated else deadline
        waits = [t - now for t in (first, kill_at) if t is not None]
        ready, _, _ = select.select(
            [pidfd, wake_r], [], [], max(0.0, min(waits)) if waits else None
        )
        if pidfd in ready:
            break
        if wake_r in ready:
            os.read(wake_r, 512)
        now = time.monotonic()
        if terminated and kill_at is None and not timed_out:
            wrapper.kill_group(pid, signal.SIGTERM)
            kill_at = now + float(spec.get("kill_after", 5))
        elif not timed_out and not terminated and deadline is not None and now >= deadline:
            timed_out = True
            wrapper.kill_group(pid, signal.SIGTERM)
            kill_at = now + float(spec.get("kill_after", 5))
        elif kill_at is not None and now >= kill_at:
            wrapper.kill_group(pid, signal.SIGKILL)
            kill_at = float("inf")
    _, code, usage = os.wait4(pid, 0)
    wrapper.kill_group(pid, signal.SIGKILL)
    sig = os.WTERMSIG(code) if os.WIFSIGNALED(code) else None
    wrapper.report(
        spec, records, relay, exit_code=None if sig else os.WEXITSTATUS(code), signal=sig,
        timed_out=timed_out, error=None, max_rss_mb=round(usage.ru_maxrss / 1024, 1),
        terminated=terminated[0] if terminated else None,
    )  # fmt: skip
    return 0


def fail(spec: dict, records: wrapper.Records | None, relay: int, e: OSError, what: str) -> int:
    with open(spec["log"], "ab") as log:
        log.write(f"orgtui: {what}: {e.strerror or e}\n".encode())
    wrapper.report(spec, records, relay, exit_code=127, signal=None, timed_out=False,
                   error=str(e)[:1000])  # fmt: skip
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 -S -E slurm_wrapper.py JOB_FOLDER", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1]))
