"""`down`: stop the jobs (queued ones cancelled, running ones stopped and recorded `cancelled`,
reason "org down"; with `wait`, running ones finish first), then the agents, every process
still carrying this org's ORGTUI_ORG, the tmux server, and orgd itself (right after this
answer is sent), which removes the org's runtime folder as it exits."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from orgtui.control.shutdown import stop_org
from orgtui.protocol.org import Down, Stopped

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Down


async def handle(orgd: Orgd, req: Down, peer: Peer) -> Stopped:
    orgd.shutting_down = True
    await orgd.jobs.stop_all("org down", wait=req.wait)
    left = await asyncio.to_thread(stop_org, orgd.tmux, orgd.cfg.file, {peer.pid})
    asyncio.get_running_loop().call_later(0.05, orgd.stopping.set)
    return Stopped(org=orgd.cfg.org.name, survivors=left)
