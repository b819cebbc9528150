"""`job_submit`: check, snapshot and queue a job (see `daemon/submit.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _replies
from orgtui.daemon.submit import submit
from orgtui.protocol.jobs import JobSubmit, SubmittedJob

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = JobSubmit


async def handle(orgd: Orgd, req: JobSubmit, peer: Peer) -> SubmittedJob:
    row = await submit(orgd, req, peer)
    return _replies.submitted(row, str(orgd.jobs.runner.log_path(row.id)))
