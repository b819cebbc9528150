"""A ledger's job as the protocol's reply (`Job`, `SubmittedJob`, `JobDetail`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.protocol.jobs import Budget, Compute, Job, JobDetail, JobEvent, SubmittedJob

if TYPE_CHECKING:
    from orgtui.ledger.rows import Event, JobRow


def _fields(row: JobRow) -> dict[str, Any]:
    return {
        "id": row.id, "agent": row.agent, "name": row.name, "kind": row.kind,
        "baseline_id": row.baseline_id, "state": row.state, "exit_code": row.exit_code,
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
    }  # fmt: skip


def job(row: JobRow) -> Job:
    return Job(**_fields(row))


def submitted(row: JobRow, log: str) -> SubmittedJob:
    return SubmittedJob(**_fields(row), log=log)


def detail(row: JobRow, log: str, events: list[Event]) -> JobDetail:
    history = [JobEvent(at=e.at, state=e.state, detail=e.detail) for e in events]
    return JobDetail(**_fields(row), log=log, events=history)
