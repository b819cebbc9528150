"""`restart`: stop an agent's program and start it again in the same window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup
from orgtui.protocol.org import Restart, Restarted

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Restart


async def handle(orgd: Orgd, req: Restart, peer: Peer) -> Restarted:
    agent = _lookup.agent(orgd, req.agent)
    # The tick's lock too: a tick that read the panes before the new window came would
    # otherwise record the agent's old window as gone after the restart.
    async with agent.lock, orgd.tick_lock:
        agent.life.quick_exits = 0
        agent.life.gave_up = False
        await orgd.respawn(agent)
    return Restarted(agent=agent.spec.name, pane_pid=agent.life.pid, restarts=agent.life.restarts)
