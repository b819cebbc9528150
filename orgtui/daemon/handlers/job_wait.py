"""`job_wait`: answer when the job has ended (or after `timeout_s`), with its JSON."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from orgtui.daemon.handlers import args as A
from orgtui.enums import ENDED
from orgtui.ledger.store import job_json

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    jobs = orgd.jobs
    job = A.job(orgd, args)
    timeout = A.number(args, "timeout_s", 3600.0)

    def ended() -> bool:
        row = jobs.ledger.get(job)
        return row is not None and row.state in ENDED

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout), jobs.finished:
            await jobs.finished.wait_for(ended)
    return job_json(A.row(orgd, job))
