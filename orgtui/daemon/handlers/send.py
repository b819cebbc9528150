"""`send`: type a message into an agent's pane once it is ready, and submit it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from orgtui.agents.delivery import DeliveryError, deliver
from orgtui.daemon.handlers import args as A
from orgtui.daemon.pane_io import TmuxPane
from orgtui.protocol.messages import TIMEOUT, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    agent = A.agent(orgd, A.text(args, "agent"))
    text = A.text(args, "text")
    timeout = A.number(args, "timeout_s", 60.0)
    start = time.monotonic()
    # One message at a time per agent, so two senders never interleave their text.
    async with agent.lock:
        left = max(0.0, timeout - (time.monotonic() - start))
        try:
            pane = TmuxPane(orgd, agent)
            await asyncio.wait_for(deliver(pane, text, agent.spec.ready, left), left + 5)
        except DeliveryError as e:
            raise RequestError(f"{agent.spec.name}: {e}", TIMEOUT) from None
    return {"agent": agent.spec.name, "seconds": round(time.monotonic() - start, 3)}
