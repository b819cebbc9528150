"""`group_list`: groups newest last (an agent's, one kind's), a page at a time, as
`job_list` pages jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _replies
from orgtui.protocol.groups import GroupList, GroupPage
from orgtui.protocol.jobs import PAGE

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = GroupList


async def handle(orgd: Orgd, req: GroupList, peer: Peer) -> GroupPage:
    ledger, research = orgd.jobs.ledger, orgd.cfg.research
    limit = min(req.limit or PAGE, PAGE)
    rows = ledger.groups(
        agent=req.agent, kind=req.kind, after=req.after, limit=limit + 1, newest=req.newest
    )
    kept = rows[-limit:] if req.newest else rows[:limit]
    groups = [
        _replies.group(g, ledger.group_jobs(g.id), research.metric, research.goal) for g in kept
    ]
    return GroupPage(groups=groups, more=len(rows) > limit)
