"""`send`: type a message into an agent's pane once it is ready, and submit it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from orgtui.agents.delivery import DeliveryError
from orgtui.daemon.handlers import args as A
from orgtui.protocol.messages import TIMEOUT, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    agent = A.agent(orgd, A.text(args, "agent"))
    text = A.text(args, "text")
    timeout = A.number(args, "timeout_s", 60.0)
    start = time.monotonic()
    try:
        await orgd.deliver(agent, text, timeout)
    except DeliveryError as e:
        raise RequestError(f"{agent.spec.name}: {e}", TIMEOUT) from None
    return {"agent": agent.spec.name, "seconds": round(time.monotonic() - start, 3)}
