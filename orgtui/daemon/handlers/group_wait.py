"""`group_wait`: answer when the group's verdict is final (a kind not judged: when its seeds
all ended), or after `timeout_s`, with the group."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup, _replies
from orgtui.protocol.groups import GroupDetail, GroupWait

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = GroupWait


async def handle(orgd: Orgd, req: GroupWait, peer: Peer) -> GroupDetail:
    ledger, research, verdicts = orgd.jobs.ledger, orgd.cfg.research, orgd.verdicts
    _lookup.group(orgd, req.group)

    def done() -> bool:
        row = ledger.group(req.group)
        if row is None:
            return True
        if row.kind in _replies.JUDGED:
            return row.verdict is not None and row.verdict != "pending"
        return all(j.state.ended for j in ledger.group_jobs(row.id))

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(req.timeout_s), verdicts.changed:
            await verdicts.changed.wait_for(done)
    row = _lookup.group(orgd, req.group)
    return _replies.group_detail(row, ledger.group_jobs(row.id), research.metric, research.goal)
