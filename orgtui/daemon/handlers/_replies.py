"""A ledger's job or group as the protocol's reply (`Job`, `SubmittedJob`, `JobDetail`,
`Group`, `GroupDetail`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.enums import JobKind
from orgtui.protocol.codec import decode
from orgtui.protocol.groups import Group, GroupDetail, Verdict
from orgtui.protocol.jobs import (
    Budget,
    Compute,
    Job,
    JobDetail,
    JobEvent,
    SlurmPlace,
    SubmittedJob,
)

if TYPE_CHECKING:
    from orgtui.ledger.rows import Event, GroupRow, JobRow

JUDGED = (JobKind.EXPERIMENT, JobKind.VERIFICATION)


def _fields(row: JobRow) -> dict[str, Any]:
    return {
        "id": row.id, "agent": row.agent, "name": row.name, "kind": row.kind,
        "group": row.group_id, "reference": row.reference, "state": row.state, "exit_code": row.exit_code,
        "reason": row.reason, "queued_at": row.queued_at, "started_at": row.started_at,
        "ended_at": row.ended_at, "device": row.device, "device_type": row.device_type,
        "gpus": row.gpus, "branch": row.branch, "commit": row.commit,
        "reproducible": row.reproducible, "seed": row.seed,
        "budget": Budget(time=row.budget_time, flops=row.budget_flops),
        "compute": Compute(
            wall_seconds=row.wall_seconds, device_seconds=row.device_seconds,
            tokens=row.tokens, flops=row.flops, params=row.params, peak_mem_mb=row.peak_mem_mb,
        ),
        "metrics": dict(row.metrics), "command": list(row.command),
        "description": row.description,
        "slurm": None if not row.slurm_job else SlurmPlace(
            job=row.slurm_job, state=row.slurm_state, partition=row.partition, node=row.node,
            queued_at=row.slurm_queued_at,
        ),
    }  # fmt: skip


def job(row: JobRow) -> Job:
    return Job(**_fields(row))


def submitted(row: JobRow, log: str) -> SubmittedJob:
    return SubmittedJob(**_fields(row), log=log)


def detail(row: JobRow, log: str, events: list[Event]) -> JobDetail:
    history = [JobEvent(at=e.at, state=e.state, detail=e.detail) for e in events]
    return JobDetail(**_fields(row), log=log, events=history)


def _state(jobs: list[JobRow]) -> str:
    if jobs and all(j.state.ended for j in jobs):
        return "ended"
    if all(j.state == "queued" for j in jobs):
        return "queued"
    return "running"


def verdict(row: GroupRow, metric: str, goal: str) -> Verdict | None:
    """The group's verdict: the one kept, else pending (None for kinds not judged)."""
    if row.kind not in JUDGED:
        return None
    if row.judgement:
        return decode(Verdict, row.judgement)
    return decode(Verdict, {
        "verdict": "pending", "metric": metric, "goal": goal, "mean": None,
        "reference_mean": None, "delta": None, "ci": None, "sigma": None, "df": None,
        "comparisons": "", "flags": [], "reason": "its seeds have not all ended",
        "compute_ratio": {"flops": None, "tokens": None, "wall": None, "params": None},
    })  # fmt: skip


def _group_fields(row: GroupRow, jobs: list[JobRow], metric: str, goal: str) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "agent": row.agent, "commit": row.commit,
        "budget": Budget(time=row.budget_time, flops=row.budget_flops),
        "jobs": [j.id for j in jobs], "seeds": [j.seed for j in jobs], "state": _state(jobs),
        "reference": row.reference, "verdict": verdict(row, metric, goal),
        "description": row.description, "clean": row.clean,
    }  # fmt: skip


def group(row: GroupRow, jobs: list[JobRow], metric: str, goal: str) -> Group:
    return Group(**_group_fields(row, jobs, metric, goal))


def group_detail(row: GroupRow, jobs: list[JobRow], metric: str, goal: str) -> GroupDetail:
    return GroupDetail(**_group_fields(row, jobs, metric, goal), runs=[job(j) for j in jobs])
