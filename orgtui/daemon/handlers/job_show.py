"""`job_show`: one job, its log's path and its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup, _replies
from orgtui.protocol.jobs import JobDetail, JobShow

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = JobShow


async def handle(orgd: Orgd, req: JobShow, peer: Peer) -> JobDetail:
    jobs = orgd.jobs
    row = _lookup.job(orgd, req.job)
    return _replies.detail(row, str(jobs.runner.log_path(req.job)), jobs.ledger.events(req.job))
