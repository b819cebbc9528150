"""The org's jobs as `status` shows them on Slurm (`scheduler.cluster`): each job Slurm has,
with its Slurm job id, state, node and partition, and each job still on orgtui's side of
Slurm with why, in words (`waiting`): `submitting` between its dispatch and sbatch's answer,
`waiting for a slot (max_jobs 4)` while the org has as many jobs in Slurm as it may, `waiting
for its agent's job (dedicated)`, `waiting: the disk is full` (nothing is submitted
until the ledger can record it), or `waiting to be submitted` (the next dispatch takes it)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from orgtui.config.model import SchedulerSection
from orgtui.daemon.job_run import Running
from orgtui.daemon.job_writes import JobWrites
from orgtui.daemon.jobs import JobsHost
from orgtui.ledger.store import Ledger
from orgtui.scheduler.slurm import SlurmRunner


class SlurmJobsLike(Protocol):
    """What of `daemon/slurm_jobs.py`'s `SlurmJobs` this reads."""

    orgd: JobsHost
    sched: SchedulerSection
    ledger: Ledger
    writes: JobWrites
    running: dict[int, Running]
    slurm: SlurmRunner
    slurm_state: dict[int, str]


def why_waiting(agent: str, in_slurm: Counter[str], jobs: SlurmJobsLike) -> str:
    """Why a queued job of `agent` is not in Slurm yet; `in_slurm`: the org's jobs there
    (or being submitted) per agent."""
    most = jobs.sched.slurm.max_jobs
    if jobs.writes.blocked:
        return "waiting: the disk is full"
    if sum(in_slurm.values()) >= most:
        return f"waiting for a slot (max_jobs {most})"
    if jobs.sched.mode == "dedicated" and agent in jobs.orgd.agents and in_slurm[agent] >= 1:
        return "waiting for its agent's job (dedicated)"
    return "waiting to be submitted"


def cluster(jobs: SlurmJobsLike) -> list[dict[str, Any]]:
    """`scheduler.cluster`: the jobs in Slurm or being submitted, then the queued ones."""
    slurm = jobs.slurm
    out: list[dict[str, Any]] = []
    for job, run in sorted(jobs.running.items()):
        nodes = ",".join(sorted({d.split(":")[0] for d in run.devices}))
        slurm_id = slurm.ids.get(job, "")
        out.append({"job": job, "slurm_job": slurm_id, "partition": slurm.partition,
                    "state": jobs.slurm_state.get(job, ""), "node": nodes,
                    "waiting": "" if slurm_id else "submitting"})  # fmt: skip
    in_slurm = Counter(run.agent for run in jobs.running.values())
    for q in jobs.ledger.queue(skip=list(jobs.running)):
        out.append({"job": q.id, "slurm_job": "", "partition": slurm.partition, "state": "",
                    "node": "", "waiting": why_waiting(q.agent, in_slurm, jobs)})  # fmt: skip
    return sorted(out, key=lambda c: int(c["job"]))
