"""`promotion_wait`: answer when the promotion has ended (or after `timeout_s`)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from orgtui.daemon.handlers.promote import promotion_json
from orgtui.protocol.codec import decode
from orgtui.protocol.messages import NOT_FOUND, RequestError
from orgtui.protocol.promotions import Promotion, PromotionWait

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = PromotionWait


async def handle(orgd: Orgd, req: PromotionWait, peer: Peer) -> Promotion:
    ledger, promoter = orgd.jobs.ledger, orgd.promoter
    if ledger.promotion(req.promotion) is None:
        raise RequestError(f"no promotion {req.promotion} in org {orgd.cfg.org.name}", NOT_FOUND)

    def ended() -> bool:
        row = ledger.promotion(req.promotion)
        return row is None or row.state != "verifying"

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(req.timeout_s), promoter.changed:
            await promoter.changed.wait_for(ended)
    row = ledger.promotion(req.promotion)
    assert row is not None
    return decode(Promotion, promotion_json(row))
