"""`job_cancel`: a queued job is dropped; a running one is stopped (SIGTERM to its process
group, SIGKILL seconds later) and recorded `cancelled`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup
from orgtui.enums import JobState
from orgtui.protocol.jobs import Cancelled, JobCancel

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = JobCancel


async def handle(orgd: Orgd, req: JobCancel, peer: Peer) -> Cancelled:
    _lookup.job(orgd, req.job)
    return Cancelled(id=req.job, state=JobState(await orgd.jobs.cancel(req.job)))
