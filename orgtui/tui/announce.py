"""Telling the person, once, that an agent started waiting for them.

In a grid of 8 agents a blocked one is easy to miss: when an agent's status turns `waiting`
(a question to a person on its screen), the cockpit rings the terminal's bell, or, where the
terminal shows desktop notifications for OSC 9 (iTerm2, WezTerm, ghostty, Windows Terminal,
kitty, as their `TERM_PROGRAM`/environment say), sends one naming the agent. Once per wait:
the agent must stop waiting before it is announced again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from orgtui.protocol.status import AgentStatus

ALIVE = ("starting", "running")
"""The states in which an agent's program runs, so that it can wait for a person."""

OSC9_PROGRAMS = ("iTerm.app", "WezTerm", "ghostty")
"""`TERM_PROGRAM` values of terminals that show an OSC 9 message as a notification."""


def osc9_supported(env: Mapping[str, str]) -> bool:
    """Whether the terminal the cockpit runs in shows OSC 9 notifications."""
    return (
        env.get("TERM_PROGRAM", "") in OSC9_PROGRAMS
        or "WT_SESSION" in env  # Windows Terminal
        or "KITTY_WINDOW_ID" in env
    )


def osc9(text: str) -> str:
    """The OSC 9 sequence for `text` (its control characters dropped)."""
    clean = "".join(ch for ch in text if ch.isprintable())
    return f"\x1b]9;{clean}\x07"


class Announcer:
    """Announces each agent that starts waiting, once; `write` puts a sequence on the
    terminal (None: ring the bell with `bell`)."""

    def __init__(
        self,
        org: str,
        bell: Callable[[], None],
        write: Callable[[str], None] | None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.org = org
        self.bell = bell
        self.write = write if osc9_supported(os.environ if env is None else env) else None
        self.waiting: set[str] = set()
        self.announced: list[str] = []
        """Every agent announced, in order (what the person was told)."""

    def update(self, agents: Iterable[AgentStatus]) -> None:
        """Fold in a status: announce the agents that wait now and did not at the last one."""
        now = {a.name for a in agents if a.activity == "waiting" and a.state in ALIVE}
        for name in sorted(now - self.waiting):
            self.announced.append(name)
            text = f"orgtui {self.org}: {name} waits for you"
            if self.write is not None:
                self.write(osc9(text))
            else:
                self.bell()
        self.waiting = now
