"""One agent's pane as message delivery sees it, over orgd's control client; and what the
agents' screens say (`read_marks`), read on each of orgd's ticks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from orgtui.agents.markers import read_screen, table_for
from orgtui.daemon.agent import Agent
from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxServer

log = logging.getLogger("orgd")


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


async def read_marks(control: ControlClient, agents: Iterable[Agent]) -> None:
    """Read the screen of each running agent whose kind has a table of markers (and no `ready`
    pattern of its own), all at once, and keep what its markers say in its `life.mark`; a
    question to a person that appears is logged once."""
    read: list[tuple[Agent, str]] = []
    for agent in agents:
        if agent.life.alive and agent.life.pane_id and table_for(agent.spec.kind, agent.spec.ready):
            read.append((agent, agent.life.pane_id))
        else:
            agent.life.mark = None
    screens = await asyncio.gather(
        *(control.command("capture-pane", "-p", "-N", "-t", pane) for _, pane in read),
        return_exceptions=True,
    )
    for (agent, _), screen in zip(read, screens, strict=True):
        table = table_for(agent.spec.kind, agent.spec.ready)
        mark = read_screen(screen, table) if isinstance(screen, list) else None
        if mark == "person" and agent.life.mark != "person":
            log.info("%s waits for a person: a question is on its screen", agent.spec.name)
        agent.life.mark = mark
