"""One agent's pane as message delivery sees it, over orgd's control client."""

from __future__ import annotations

import asyncio

from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxServer


class TmuxPane:
    """`orgtui.agents.delivery.PaneIO` for the pane `pane` of the agent `agent`: read and
    keyed over the control client, pasted through the tmux server (a buffer named after the
    agent, so two agents' pastes never share one)."""

    def __init__(self, control: ControlClient, tmux: TmuxServer, pane: str, agent: str) -> None:
        self.control = control
        self.tmux = tmux
        self.pane = pane
        self.buffer = f"orgtui-send-{agent}"

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
