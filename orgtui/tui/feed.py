"""Keeping the agent panes' screens current: the cockpit's data path.

The output streams' dirty flags (the org session's, paced by tmux's pause-after, and the
front pane's own, see `focus.py`) are folded into a pending set; a dirty pane on screen is captured
(`capture-pane -e -p -N` and the cursor, through a control client that carries no output, so
a capture never waits behind queued output) when it is due:
the focused and taken-over pane as soon as it changes (at most FOCUSED_FPS), the others at
BACKGROUND_FPS. At most one capture per pane is in flight. Each agent's window is kept at the
size its cell wants, never below the agent's own size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxError
from orgtui.tui.ansi import decode
from orgtui.tui.pane import AgentPane

FOCUSED_FPS = 120.0
BACKGROUND_FPS = 10.0
CURSOR_FORMAT = "#{cursor_x} #{cursor_y} #{cursor_flag} #{pane_width} #{pane_height}"
RECENT_INPUT = 5.0


class PaneFeed:
    """Captures dirty panes at their rate and hands the decoded rows to their widgets."""

    def __init__(
        self,
        commands: ControlClient,
        sources: list[Callable[[], set[str]]],
        visible: Callable[[], list[AgentPane]],
        front: Callable[[], set[str]],
    ) -> None:
        self.commands = commands
        self.sources = sources
        self.visible = visible
        self.front = front
        self.pending: set[str] = set()
        self.last_input = time.monotonic()
        self._in_flight: set[str] = set()
        self._last_capture: dict[str, float] = {}
        self._sizes: dict[str, tuple[int, int]] = {}
        self._handle: asyncio.Handle | None = None
        self.closed = False

    def close(self) -> None:
        """The cockpit is going: no more captures."""
        self.closed = True
        if self._handle is not None:
            self._handle.cancel()

    async def map_panes(self, panes: dict[str, AgentPane]) -> None:
        """Which tmux pane and window each agent has (again after windows come and go)."""
        fmt = "#{window_name}\t#{window_id}\t#{pane_id}"
        lines = await self.commands.command("list-panes", "-s", "-F", fmt)
        for line in lines:
            name, window, pane_id = (line.split("\t") + ["", "", ""])[:3]
            if name in panes:
                panes[name].window_id, panes[name].pane_id = window, pane_id
                self.pending.add(pane_id)
                self.resize(panes[name])
        self.wake()

    def resize(self, pane: AgentPane, force: bool = False) -> None:
        """Make the agent's window the size its cell wants (never below the agent's size)."""
        if not pane.window_id or not pane.display or pane.size.width == 0:
            return
        want = pane.wanted_size()
        if force or self._sizes.get(pane.agent) != want:
            self._sizes[pane.agent] = want
            self.send("resize-window", "-t", pane.window_id, "-x", str(want[0]), "-y", str(want[1]))
        if pane.pane_id:  # a new cell size shows another part of the screen: draw it again
            self.pending.add(pane.pane_id)
            self.wake()

    def reclaim(self, panes: list[AgentPane]) -> None:
        """This cockpit is in use: windows another cockpit resized come back to our sizes."""
        self.last_input = time.monotonic()
        for pane in panes:
            if pane.term_size != (0, 0) and pane.term_size != pane.wanted_size():
                self.resize(pane, force=True)

    def send(self, *args: str) -> None:
        """Run a tmux command without waiting for it (a key, a resize); a failure means the
        pane or the server went away, which the next status and map show."""
        asyncio.ensure_future(self.commands.command(*args)).add_done_callback(_settle)

    def wake(self) -> None:
        for take_dirty in self.sources:
            self.pending |= take_dirty()
        if not self.pending or self.closed:
            return
        if isinstance(self._handle, asyncio.TimerHandle) and self.pending & self.front():
            # The front pane changed: it does not wait for the background panes' next frame.
            self._handle.cancel()
            self._handle = None
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_soon(self._pump)

    def _pump(self) -> None:
        self._handle = None
        if self.closed:
            return
        now = time.monotonic()
        on_screen = {p.pane_id: p for p in self.visible() if p.pane_id}
        front = self.front()
        later = float("inf")
        for pane_id in list(self.pending):
            pane = on_screen.get(pane_id)
            if pane is None or pane_id in self._in_flight:
                continue  # off screen, or being captured: stays pending
            period = 1 / (FOCUSED_FPS if pane_id in front else BACKGROUND_FPS)
            due = self._last_capture.get(pane_id, 0.0) + period
            if due <= now:
                self.pending.discard(pane_id)
                self._in_flight.add(pane_id)
                self._last_capture[pane_id] = now
                asyncio.ensure_future(self._capture(pane, pane_id))
            else:
                later = min(later, due)
        if later != float("inf") and self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(later - now, self._pump)

    async def _capture(self, pane: AgentPane, pane_id: str) -> None:
        try:
            lines, cursor = await asyncio.gather(
                self.commands.command("capture-pane", "-p", "-e", "-N", "-t", pane_id),
                self.commands.command("display-message", "-p", "-t", pane_id, CURSOR_FORMAT),
            )
            info = cursor[0].split()
        except Exception:  # the pane or the client went away: the next map fixes it
            return
        finally:
            self._in_flight.discard(pane_id)
        cx, cy, flag, w, h = (int(x) for x in info[:5])
        pane.set_screen(decode("\n".join(lines), w, h), (w, h), (cx, cy, flag == 1))
        if (w, h) != pane.wanted_size() and time.monotonic() - self.last_input < RECENT_INPUT:
            # Another cockpit resized it while this one is in use: this one wins.
            self.resize(pane, force=True)
        if pane_id in self.pending:
            self.wake()


def _settle(task: asyncio.Future[list[str]]) -> None:
    """Collect a fire-and-forget command's outcome, so a failure is not reported as unhandled."""
    if not task.cancelled() and not isinstance(task.exception(), TmuxError | None):
        raise task.exception()  # type: ignore[misc]
