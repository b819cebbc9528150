"""`job_list`: jobs newest last: all of them (or an agent's, one kind's, or those in some
states), a page at a time: at most `limit` (0, or more than PAGE: PAGE) with ids above
`after`. `more` says whether another page follows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _replies
from orgtui.protocol.jobs import PAGE, JobList, JobPage

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = JobList


async def handle(orgd: Orgd, req: JobList, peer: Peer) -> JobPage:
    limit = min(req.limit or PAGE, PAGE)
    rows = orgd.jobs.ledger.jobs(
        states=req.states, agent=req.agent, kind=req.kind, after=req.after, limit=limit + 1,
        newest=req.newest,
    )  # fmt: skip
    # newest: the rows are the newest limit + 1, oldest first; the extra one is the oldest
    kept = rows[-limit:] if req.newest else rows[:limit]
    return JobPage(jobs=[_replies.job(r) for r in kept], more=len(rows) > limit)
