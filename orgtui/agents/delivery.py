"""Safe message delivery into an agent's pane.

A message is typed only once the agent is ready for input: its program running, its screen
showing none of its kind's markers of work or of a question to a person (`markers.py`: Claude
Code's spinner, Codex's "Working", a permission question), its screen quiet for `settle`
seconds (and unchanged between two captures), something on the screen, and the agent's `ready`
pattern on the screen's last lines when it has one (which replaces its kind's markers; matched
by RE2, in time linear in the screen, since it runs on orgd's event loop). The cleaned text is
pasted (bracketed when the program asked for it, so several lines arrive as one message); once
the screen shows the paste, Enter submits it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

from orgtui.agents.markers import Markers, read_screen, table_for
from orgtui.config.patterns import ready_in
from orgtui.tmux.quoting import clean_text


def for_agent(kind: str, text: str) -> str:
    """What orgd itself says to an agent (a job's notice, a ritual, a new prompt): a shell
    agent gets it as `#` comments, so the shell shows it and does not run it. A person's
    `orgtui send` is typed as it is."""
    if kind != "shell":
        return text
    return "\n".join(f"# {line}" for line in text.splitlines())


SETTLE_SECONDS = 1.0
POLL_SECONDS = 0.05
ECHO_TIMEOUT = 3.0
READY_LINES = 5


class PaneIO(Protocol):
    """What delivery needs from tmux for one pane."""

    async def capture(self) -> list[str]:
        """The visible screen, one string per row."""
        ...

    async def state(self) -> tuple[bool, float]:
        """(whether the pane's program has exited, unix time of its last output)."""
        ...

    async def paste(self, text: str) -> None: ...

    async def enter(self) -> None: ...


class DeliveryError(Exception):
    """The message could not be delivered; the text says why."""


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


def readiness(
    screen: list[str],
    dead: bool,
    quiet: float,
    ready: str | None,
    settle: float = SETTLE_SECONDS,
    markers: Markers | None = None,
) -> Readiness:
    """Whether a pane showing `screen`, quiet for `quiet` seconds, is ready for input;
    `markers`: its kind's table (None: the quiet-screen rule alone)."""
    if dead:
        return Readiness(False, "its program has exited")
    mark = read_screen(screen, markers)
    if mark == "person":
        return Readiness(False, "it waits for a person: a question is on its screen")
    if mark == "working":
        return Readiness(False, "it is working (its screen says so)")
    if quiet < settle:
        return Readiness(False, f"it is still printing (quiet for {quiet:.1f}s of {settle:g}s)")
    rows = [r for r in screen if r.strip()]
    if not rows:
        return Readiness(False, "its screen is still empty")
    if ready is not None:
        tail = "\n".join(rows[-READY_LINES:])
        if not ready_in(ready, tail):
            return Readiness(False, f"its ready pattern {ready!r} is not on the screen")
    return Readiness(True, "ready")


async def wait_ready(
    pane: PaneIO,
    ready: str | None,
    timeout: float,
    settle: float = SETTLE_SECONDS,
    kind: str = "shell",
) -> list[str]:
    """Wait until the pane (of an agent of `kind`) is ready; its screen then. DeliveryError
    after `timeout`."""
    markers = table_for(kind, ready)
    deadline = time.monotonic() + timeout
    last = Readiness(False, "not checked")
    while True:
        dead, activity = await pane.state()
        # Activity has a resolution of one second: count from the end of that second, which
        # for output this second (or a clock that reads ahead) is still to come: no quiet yet.
        quiet = max(0.0, time.time() - (activity + 1.0)) if activity else settle
        screen = await pane.capture()
        last = readiness(screen, dead, quiet, ready, settle, markers)
        if last.ready:
            await asyncio.sleep(POLL_SECONDS)
            if await pane.capture() == screen:
                return screen
            last = Readiness(False, "its screen changed while checking")
        if time.monotonic() >= deadline:
            raise DeliveryError(f"not ready for input after {timeout:.3g}s: {last.reason}")
        await asyncio.sleep(POLL_SECONDS if last.reason.startswith("its screen changed") else 0.1)


async def deliver(
    pane: PaneIO,
    text: str,
    ready: str | None,
    timeout: float,
    settle: float = SETTLE_SECONDS,
    kind: str = "shell",
) -> float:
    """Type `text` into the pane (of an agent of `kind`) once it is ready and submit it;
    seconds spent waiting."""
    start = time.monotonic()
    message = clean_text(text).strip("\n")
    if not message.strip():
        raise DeliveryError("the message is empty (after removing control characters)")
    before = await wait_ready(pane, ready, timeout, settle, kind)
    await pane.paste(message)
    echo_deadline = time.monotonic() + ECHO_TIMEOUT
    while await pane.capture() == before:
        if time.monotonic() >= echo_deadline:
            raise DeliveryError(
                f"the text was pasted but never appeared on the screen within {ECHO_TIMEOUT:g}s; "
                "it was not submitted"
            )
        await asyncio.sleep(0.01)
    await pane.enter()
    return time.monotonic() - start
