"""`ablation_wait`: answer when every part of an ablation has a final verdict (or after
`timeout_s`; 0: at once), with the ablation."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from orgtui.daemon.handlers.ablate import ablation
from orgtui.protocol.ablations import Ablation, AblationWait

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = AblationWait


async def handle(orgd: Orgd, req: AblationWait, peer: Peer) -> Ablation:
    verdicts = orgd.verdicts
    if not ablation(orgd, req.group).done:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(req.timeout_s), verdicts.changed:
                await verdicts.changed.wait_for(lambda: ablation(orgd, req.group).done)
    return ablation(orgd, req.group)
