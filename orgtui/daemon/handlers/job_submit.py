"""`job_submit`: check, snapshot and queue a group of jobs (see `daemon/submit.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _replies
from orgtui.daemon.submit import submit
from orgtui.protocol.jobs import JobSubmit, SubmittedGroup

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = JobSubmit


async def handle(orgd: Orgd, req: JobSubmit, peer: Peer) -> SubmittedGroup:
    group, rows = await submit(orgd, req, peer)
    log = orgd.jobs.runner.log_path
    return SubmittedGroup(
        group=group.id,
        jobs=[_replies.submitted(row, str(log(row.id))) for row in rows],
        reference=group.reference,
    )
