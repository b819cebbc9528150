"""`group_show`: one group, its verdict and its jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup, _replies
from orgtui.protocol.groups import GroupDetail, GroupShow

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = GroupShow


async def handle(orgd: Orgd, req: GroupShow, peer: Peer) -> GroupDetail:
    row, research = _lookup.group(orgd, req.group), orgd.cfg.research
    jobs = orgd.jobs.ledger.group_jobs(row.id)
    return _replies.group_detail(row, jobs, research.metric, research.goal)
