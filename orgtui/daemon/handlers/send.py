"""`send`: type a message into an agent's pane once it is ready, and submit it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from orgtui.agents.delivery import DeliveryError
from orgtui.daemon.handlers import _lookup
from orgtui.protocol.messages import TIMEOUT, RequestError
from orgtui.protocol.org import Delivered, Send

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Send


async def handle(orgd: Orgd, req: Send, peer: Peer) -> Delivered:
    agent = _lookup.agent(orgd, req.agent)
    start = time.monotonic()
    try:
        await orgd.deliver(agent, req.text, req.timeout_s)
    except DeliveryError as e:
        raise RequestError(f"{agent.spec.name}: {e}", TIMEOUT) from None
    return Delivered(agent=agent.spec.name, seconds=round(time.monotonic() - start, 3))
