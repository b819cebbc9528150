"""Runs one job inside its Slurm allocation: `python3 -S -E slurm_wrapper.py FOLDER`.

orgd copies this file into the org's folder under `[scheduler] shared_dir`; the job's batch
script runs the org's `[scheduler.slurm] setup` lines, then this, with the node's Python and
the standard library only. FOLDER (the job's, on the shared filesystem) holds `spec.json`
(argv, cwd, log, limit, kill_after: no environment; the job's environment is the batch
script's, as sbatch exported it, with the `CUDA_VISIBLE_DEVICES` Slurm gave the allocation).

On the node it writes `started` (when it started, the node, the GPUs, Slurm's job id and
restart count: the start orgd records, so time in Slurm's queue is never charged) and then
runs the job as the local wrapper (`wrapper.py`) does: its own process group (posix_spawn,
waited for on a pidfd), output appended to the job's log, SIGTERM at its limit (budget plus
grace, counted from the start on the node) and SIGKILL `kill_after` seconds later, `status`
written when it has ended, in room reserved before the job started (a full disk does not
lose the end; a status that still does not fit is written again until space returns). A
SIGTERM to the wrapper itself comes from Slurm (a cancel, a requeue, preemption, Slurm's own
time limit): it passes it to the job and says so in the status (`terminated`), and orgd asks
Slurm what happened. Everything it writes is 0600.

Its start is on every job's way (a Python starts per job here, where the local runner forks
its wrappers from one launcher), so it imports only the C parts of the standard library it
needs (`_json`, `_signal`, `select`): `json`, `signal` and `contextlib` would pull in `re`,
`enum`, `collections` and `functools`, about 10 ms of a 20 ms start on 2 cores.
"""

from __future__ import annotations

import _json
import _signal  # type: ignore[import-not-found]
import errno
import os
import select
import sys
import time

ROOM = 4096
"""Bytes reserved for the status file before the job starts (a status is a few hundred)."""
FULL = (errno.ENOSPC, errno.EDQUOT)


class _Json:
    """What `_json`'s scanner asks of a decoder: plain JSON, as `json.loads` reads it."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float
    memo: dict[str, str] = {}


def loads(text: str) -> object:
    return _json.make_scanner(_Json())(text.strip(), 0)[0]  # type: ignore[arg-type]


def dumps(status: dict[str, object]) -> str:
    """A flat object of strings, numbers, booleans and nulls as JSON."""

    def value(v: object) -> str:
        if v is None or v is True or v is False:
            return {None: "null", True: "true", False: "false"}[v]
        if isinstance(v, (int, float)):  # noqa: UP038 (the node's Python may be older)
            return repr(v) if v == v and abs(v) != float("inf") else "null"
        return str(_json.encode_basestring_ascii(str(v)))

    return "{" + ", ".join(f"{value(k)}: {value(v)}" for k, v in status.items()) + "}"


def write_file(path: str, text: str) -> None:
    """Write `text` to `path` (0600) atomically."""
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.rename(path + ".tmp", path)


def kill_group(pgid: int, sig: int) -> None:
    try:  # noqa: SIM105 (contextlib costs 5 ms to import)
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def spawn(spec: dict, env: dict[str, str]) -> int:
    """The job's pid, in its own session, output to its log; OSError if it cannot run."""
    log = os.open(spec["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.chdir(spec["cwd"])  # posix_spawn has no chdir before 3.13; the wrapper needs none
        return os.posix_spawnp(
            spec["argv"][0], spec["argv"], env,
            file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, log, 1),
                          (os.POSIX_SPAWN_DUP2, log, 2)],
            setsid=True,
            setsigdef=(_signal.SIGHUP, _signal.SIGPIPE, _signal.SIGXFSZ, _signal.SIGCHLD),
        )  # fmt: skip
    finally:
        os.close(log)
        os.close(null)


def report(path: str, room: int | None, **status: object) -> None:
    """Write the status: in its reserved room (`room`, the open `status.tmp`), else as a
    file, again until space returns."""
    status["ended_at"] = time.time()
    if room is not None:
        try:
            data = dumps(status).encode()
            os.pwrite(room, data, 0)
            os.ftruncate(room, len(data))
            os.rename(path + ".tmp", path)
            return
        except OSError as e:
            status["records_error"] = f"{path}: {e.strerror or e}"
    else:
        status["records_error"] = f"{path}: its records could not be made"
    pause = 0.5
    while True:
        try:
            write_file(path, dumps(status))
            return
        except OSError as e:
            if e.errno not in FULL:
                return  # its folder is gone: nobody will read it
        time.sleep(pause)
        pause = min(pause * 2, 10.0)


def run(folder: str) -> int:
    started_at = time.time()
    with open(os.path.join(folder, "spec.json")) as f:
        spec = loads(f.read())
    assert isinstance(spec, dict)
    status = os.path.join(folder, "status")
    os.umask(0o077)
    for stale in ("status", "status.tmp"):  # an earlier attempt's (a requeue)
        try:  # noqa: SIM105
            os.unlink(os.path.join(folder, stale))
        except FileNotFoundError:
            pass
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    _signal.set_wakeup_fd(wake_w)
    terminated: list[int] = []
    _signal.signal(_signal.SIGTERM, lambda sig, _: terminated.append(sig))
    _signal.signal(_signal.SIGINT, lambda sig, _: terminated.append(sig))
    write_file(os.path.join(folder, "started"), dumps({
        "at": started_at,
        "node": os.uname().nodename.split(".")[0],
        "gpus": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
        "slurm_job": os.environ.get("SLURM_JOB_ID", ""),
        "restart": int(os.environ.get("SLURM_RESTART_COUNT") or 0),
    }))  # fmt: skip
    room: int | None = os.open(status + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.posix_fallocate(room, 0, ROOM)  # type: ignore[arg-type]
    except OSError as e:
        return fail(
            spec, status, None, e, "the job's records could not be made, so it did not start"
        )
    try:
        pid = spawn(spec, dict(os.environ))
    except OSError as e:
        return fail(spec, status, room, e, f"cannot run {spec['argv'][0]!r}")
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
            kill_group(pid, _signal.SIGTERM)
            kill_at = now + float(spec.get("kill_after", 5))
        elif not timed_out and not terminated and deadline is not None and now >= deadline:
            timed_out = True
            kill_group(pid, _signal.SIGTERM)
            kill_at = now + float(spec.get("kill_after", 5))
        elif kill_at is not None and now >= kill_at:
            kill_group(pid, _signal.SIGKILL)
            kill_at = float("inf")
    _, code, usage = os.wait4(pid, 0)
    kill_group(pid, _signal.SIGKILL)  # what the job left behind in its group goes too
    sig = os.WTERMSIG(code) if os.WIFSIGNALED(code) else None
    report(
        status, room, exit_code=None if sig else os.WEXITSTATUS(code), signal=sig,
        timed_out=timed_out, error=None, max_rss_mb=round(usage.ru_maxrss / 1024, 1),
        terminated=terminated[0] if terminated else None,
    )  # fmt: skip
    return 0


def fail(spec: dict, status: str, room: int | None, e: OSError, what: str) -> int:
    try:
        with open(spec["log"], "ab") as log:
            log.write(f"orgtui: {what}: {e.strerror or e}\n".encode())
    except OSError:
        pass
    report(status, room, exit_code=127, signal=None, timed_out=False, error=str(e)[:1000])
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 -S -E slurm_wrapper.py JOB_FOLDER", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1]))
