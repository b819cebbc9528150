"""`restart`: stop an agent's program and start it again in the same window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.daemon.handlers import args as A

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    agent = A.agent(orgd, A.text(args, "agent"))
    # The tick's lock too: a tick that read the panes before the new window came would
    # otherwise record the agent's old window as gone after the restart.
    async with agent.lock, orgd.tick_lock:
        agent.life.quick_exits = 0
        agent.life.gave_up = False
        await orgd.respawn(agent)
    return {"agent": agent.spec.name, "pane_pid": agent.life.pid, "restarts": agent.life.restarts}
