"""One agent's pane as message delivery sees it, over orgd's control client."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Agent, Orgd


class TmuxPane:
    """`orgtui.agents.delivery.PaneIO` for an agent's pane."""

    def __init__(self, orgd: Orgd, agent: Agent) -> None:
        assert orgd.control is not None and agent.life.pane_id is not None
        self.control = orgd.control
        self.tmux = orgd.tmux
        self.pane = agent.life.pane_id
        self.buffer = f"orgtui-send-{agent.spec.name}"

    async def capture(self) -> list[str]:
        return await self.control.command("capture-pane", "-p", "-N", "-t", self.pane)

    async def state(self) -> tuple[bool, float]:
        out = await self.control.command(
            "display-message", "-p", "-t", self.pane, "#{pane_dead} #{window_activity}"
        )
        dead, _, activity = (out[0] if out else "1 0").partition(" ")
        return dead == "1", float(activity or 0)

    async def paste(self, text: str) -> None:
        await asyncio.to_thread(self.tmux.paste, self.pane, text, self.buffer)

    async def enter(self) -> None:
        await self.control.command("send-keys", "-t", self.pane, "Enter")
