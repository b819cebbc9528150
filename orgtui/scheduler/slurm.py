"""The Slurm runner: jobs as Slurm batch jobs, run by orgtui's wrapper inside the allocation.

Jobs are submitted with `sbatch` itself, not through submitit: submitit pickles a Python
callable and needs itself installed on the nodes, where orgtui's jobs are commands and the
node needs nothing of orgtui (the wrapper is a standard-library file, run by the node's own
`python3`); its `done()` polls `sacct`/`squeue` per job, where orgd watches all its jobs with
one `squeue` and reads the wrapper's files; and `sbatch` gives Slurm's own message when it
refuses a job, which goes into the job's log word for word.

Each org has a folder `<shared_dir>/<org>-<hash>/` (0700) holding `slurm_wrapper.py` (0600,
copied at start), and per job what the local runner has (the job's folder `jobs/<id>/` with
`status`, the log `jobs/<id>.log`) plus `spec.json` (argv, cwd, limit: never the environment,
which reaches the job through sbatch's export), `job.sh` (the org's setup lines, then the
wrapper) and `started` (written on the node: when, where, which GPUs). Slurm jobs are named
`<prefix>.<job id>`, so orgd finds its jobs again in `squeue` even when it died between
`sbatch` and recording the Slurm job id.
"""

from __future__ import annotations

import asyncio
import json
import math
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgtui.config.model import SlurmSection
from orgtui.scheduler.local import LocalRunner

HERE = Path(__file__).parent
WRAPPERS = ("slurm_wrapper.py",)
MARGIN = 60.0
"""Seconds Slurm's `--time` is set above the job's limit and its kill: a backstop only (the
wrapper enforces the budget; Slurm enforces limits about a minute late)."""
READY_WAIT = 120.0
"""Seconds a job's batch script waits on the node for orgd to say its checkout is ready."""
SUBMIT_TIMEOUT = 60.0
QUEUE_FORMAT = "JobID:|,Name:|,State:|,NodeList:|,Reason:|,Partition:|,RestartCnt:|"

ENDS = {
    "TIMEOUT": ("timeout", "Slurm's time limit ended it (its --time, a backstop above the budget)"),
    "CANCELLED": ("cancelled", "cancelled in Slurm (scancel)"),
    "NODE_FAIL": ("lost", "its node failed (NODE_FAIL)"),
    "BOOT_FAIL": ("lost", "its node did not boot (BOOT_FAIL)"),
    "PREEMPTED": ("lost", "preempted by Slurm (PREEMPTED)"),
    "OUT_OF_MEMORY": ("failed", "out of memory (Slurm's OUT_OF_MEMORY)"),
    "DEADLINE": ("timeout", "past its Slurm deadline (DEADLINE)"),
    "REVOKED": ("lost", "revoked by Slurm (REVOKED)"),
    "SPECIAL_EXIT": ("failed", "Slurm's SPECIAL_EXIT"),
}
"""Slurm's end states that say more than the wrapper's status: (our outcome, why)."""
WAITING = ("PENDING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "CONFIGURING", "SUSPENDED",
           "RESIZING")  # fmt: skip
"""Slurm's states of a job waiting to run (again)."""


def slurm_end(state: str, status: dict[str, Any] | None) -> tuple[str, str] | None:
    """Our (outcome, why) for a job Slurm says ended in `state`, when Slurm ended it: its
    wrapper left no status (it was killed with the job: a node failure, the memory limit) or
    says it was stopped from outside (Slurm's time limit, a preemption). None when the
    wrapper's own outcome stands (it ended the job, or `state` says nothing more)."""
    if state in ENDS and (status is None or status.get("terminated")):
        return ENDS[state]
    return None


class SubmitError(Exception):
    """Slurm refused the job; the message is sbatch's."""


@dataclass(frozen=True)
class SlurmJob:
    """One job as `squeue` shows it."""

    id: str
    state: str
    node: str
    reason: str
    partition: str
    restarts: int


def time_limit(seconds: float) -> str:
    """sbatch's `--time` (minutes:seconds) for a job limited to `seconds` by its wrapper."""
    total = math.ceil(seconds + MARGIN)
    return f"{total // 60}:{total % 60:02d}"


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """Write `text` to `path` (made `mode`, the user's alone) atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    tmp.touch(mode=mode)
    tmp.chmod(mode)
    tmp.write_text(text)
    tmp.replace(path)


def sbatch_env(env: dict[str, str]) -> dict[str, str]:
    """sbatch's environment (exported to the job): the job's, less what would steer sbatch
    (`SBATCH_*`) or mislead the job (an allocation orgd itself may run in, and GPUs: Slurm
    sets `CUDA_VISIBLE_DEVICES` to the allocation's)."""
    drop = ("SLURM_", "SBATCH_", "SALLOC_", "SRUN_")
    return {k: v for k, v in env.items() if not k.startswith(drop) and k != "CUDA_VISIBLE_DEVICES"}


async def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """A Slurm command's exit status, stdout and stderr (127: not found)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except OSError as e:
        return 127, "", f"{argv[0]}: {e.strerror or e}"
    try:
        out, err = await asyncio.wait_for(proc.communicate(), SUBMIT_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return 124, "", f"{argv[0]} did not answer within {SUBMIT_TIMEOUT:g}s"
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


class SlurmRunner(LocalRunner):
    """The org's jobs on Slurm, under `base` (the org's folder in shared_dir)."""

    def __init__(self, base: Path, prefix: str, slurm: SlurmSection, partition: str) -> None:
        super().__init__(base / "jobs")
        self.base = base
        self.prefix = prefix
        self.slurm = slurm
        self.partition = partition
        self.ids: dict[int, str] = {}
        """Each watched job's Slurm job id."""

    def install(self) -> None:
        """The org's folder in shared_dir (0700) with the wrappers (0600) as this orgtui has
        them."""
        self.base.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.base.mkdir(mode=0o700, exist_ok=True)
        self.base.chmod(0o700)
        self.jobs_dir.mkdir(mode=0o700, exist_ok=True)
        for name in WRAPPERS:
            write_private(self.base / name, (HERE / name).read_text())

    def name(self, job: int) -> str:
        return f"{self.prefix}.{job}"

    def started(self, job: int) -> dict[str, Any] | None:
        """What the wrapper wrote on the node when it started the job, or None."""
        try:
            return dict(json.loads((self.folder(job) / "started").read_text()))
        except (OSError, ValueError):
            return None

    async def submit(
        self, job: int, cwd: Path, env: dict[str, str], limit: float, gpus: int,
        kill_after: float,
    ) -> str:  # fmt: skip
        """sbatch the job; its Slurm job id (SubmitError: Slurm refused it). Its batch script
        waits on the node for `ready` (the job's checkout made meanwhile, while Slurm
        schedules), then goes to `cwd`, runs the setup lines and the wrapper."""
        folder = self.folder(job)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in ("status", "started", "status.pid", "spec.json"):
            (folder / stale).unlink(missing_ok=True)
        spec = shlex.quote(str(folder / "spec.json"))
        lines = ["#!/bin/bash", f"# orgtui job {job}: the org's setup lines, then its wrapper",
                 "set -e", f"for ((i = 0; i < {int(READY_WAIT * 100)}; i++)); do",
                 f"  [ -e {spec} ] && break; sleep 0.01", "done", f"cd {shlex.quote(str(cwd))}",
                 *self.slurm.setup,
                 f"exec {shlex.quote(self.slurm.python)} -S -E "
                 f"{shlex.quote(str(self.base / 'slurm_wrapper.py'))} {shlex.quote(str(folder))}"]  # fmt: skip
        script = folder / "job.sh"
        write_private(script, "\n".join(lines) + "\n", 0o700)
        log = self.log_path(job)
        log.touch(mode=0o600)
        s = self.slurm
        args = ["sbatch", "--parsable", f"--job-name={self.name(job)}", f"--output={log}",
                "--open-mode=append", f"--chdir={folder}",
                f"--time={time_limit(limit + kill_after + READY_WAIT)}",
                "--requeue" if s.requeue else "--no-requeue", "--export=ALL"]  # fmt: skip
        if gpus:
            args.append(f"--gres=gpu:{gpus}")
        for flag, value in (("partition", self.partition), ("account", s.account),
                            ("qos", s.qos), ("constraint", s.constraint)):  # fmt: skip
            if value:
                args.append(f"--{flag}={value}")
        code, out, err = await run(*args, *s.sbatch_args, str(script), env=sbatch_env(env))
        slurm_id = out.strip().split(";")[0]
        if code != 0 or not slurm_id.isdigit():
            raise SubmitError((err or out).strip() or f"sbatch exited {code}")
        self.ids[job] = slurm_id
        return slurm_id

    def ready(self, job: int, argv: list[str], cwd: Path, limit: float, kill_after: float) -> None:
        """The job's checkout is made: its wrapper may start it (`spec.json`)."""
        spec = {"argv": argv, "cwd": str(cwd), "log": str(self.log_path(job)), "limit": limit,
                "kill_after": kill_after}  # fmt: skip
        write_private(self.folder(job) / "spec.json", json.dumps(spec))

    async def queue(self) -> dict[int, SlurmJob] | None:
        """The org's jobs Slurm knows (pending, running, or ended within MinJobAge), by
        orgtui job id; None if squeue did not answer."""
        code, out, _ = await run("squeue", "-h", "--me", "-t", "all", "-O", QUEUE_FORMAT)
        if code != 0:
            return None
        found: dict[int, SlurmJob] = {}
        for line in out.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 7 or not parts[1].startswith(self.prefix + "."):
                continue
            job = parts[1][len(self.prefix) + 1 :]
            if not job.isdigit():
                continue
            restarts = int(parts[6]) if parts[6].isdigit() else 0
            seen = SlurmJob(parts[0], parts[2], parts[3], parts[4], parts[5], restarts)
            mine = self.ids.get(int(job))
            old = found.get(int(job))
            if old is None or seen.id == mine or (old.id != mine and int(seen.id) > int(old.id)):
                found[int(job)] = seen
        return found

    async def exit_code(self, slurm_id: str) -> str:
        """The batch script's `ExitCode` (`code:signal`) as Slurm has it, or ''."""
        code, out, _ = await run("scontrol", "show", "job", "-o", slurm_id)
        return out.split("ExitCode=", 1)[1].split()[0] if code == 0 and "ExitCode=" in out else ""

    async def cancel(self, job: int, signal: str = "") -> None:
        """scancel the job (`signal`: send it that signal instead)."""
        slurm_id = self.ids.get(job)
        if slurm_id is not None:
            await run("scancel", *([f"--signal={signal}"] if signal else []), slurm_id)

    async def kill_job(self, job: int, wait: float = 5.0) -> bool:
        """The job left no status: make sure Slurm runs nothing more of it."""
        await self.cancel(job, "KILL")
        await self.cancel(job)
        return False

    def forget(self, job: int) -> None:
        super().forget(job)
        self.ids.pop(job, None)

    def job_pid(self, job: int) -> int | None:
        """Its processes are on a node: none here."""
        return None
