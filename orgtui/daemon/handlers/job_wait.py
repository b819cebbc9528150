"""`job_wait`: answer when the job has ended (or after `timeout_s`), with the job."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup, _replies
from orgtui.protocol.jobs import Job, JobWait

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = JobWait


async def handle(orgd: Orgd, req: JobWait, peer: Peer) -> Job:
    jobs = orgd.jobs
    _lookup.job(orgd, req.job)

    def ended() -> bool:
        row = jobs.ledger.get(req.job)
        return row is not None and row.state.ended

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(req.timeout_s), jobs.finished:
            await jobs.finished.wait_for(ended)
    return _replies.job(_lookup.job(orgd, req.job))
