"""`job_show`: one job's JSON, its log's path and its history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.daemon.handlers import args as A
from orgtui.ledger.store import job_json

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    jobs = orgd.jobs
    job = A.job(orgd, args)
    row = A.row(orgd, job)
    events = [
        {"at": e.at, "state": str(e.state), "detail": e.detail} for e in jobs.ledger.events(job)
    ]
    return {**job_json(row), "log": str(jobs.runner.log_path(job)), "events": events}
