"""Keeping the agent panes' screens current: the cockpit's data path.

A pane's screen is captured (`capture-pane -e -p -N` and the cursor) through a control client
that carries no output, so a capture never waits behind queued output. Which panes to capture
comes from two places:

- The front (focused or taken-over) pane's output streams on a control client of its own
  (`focus.py`): it is captured as soon as it changes, up to FOCUSED_FPS, so a key's echo is
  drawn at once.
- Every other pane is polled. Each frame (BACKGROUND_FPS) one `list-panes` gives every
  window's last activity, in whole seconds; a pane that printed in this second or the last is
  "hot" and is captured every frame until it has been quiet for a whole second. A frame's
  captures go to tmux together (one round trip) and are drawn one by one across the frame,
  so no single screen update draws every busy pane while the front pane waits behind it.

The org session's %output stream is not read at all: under a flood (8 panes, ~20 MB/s) a
control client cannot drain it, tmux 3.3a's memory grows with what is queued for it, replies
wait behind it, and reading it costs the cockpit the CPU its front pane needs.

Each agent's window is kept at the size its cell wants, never below the agent's own size.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxError
from orgtui.tui.pane import AgentPane

FOCUSED_FPS = 120.0
BACKGROUND_FPS = 12.0
CURSOR_FORMAT = "#{cursor_x} #{cursor_y} #{cursor_flag} #{pane_width} #{pane_height}"
ACTIVITY_FORMAT = "#{pane_id} #{window_activity}"
RECENT_INPUT = 5.0

Capture = tuple[list[str], list[str]]


class PaneFeed:
    """Captures panes when they change and hands the captures to their widgets."""

    def __init__(
        self,
        commands: ControlClient,
        front_commands: ControlClient,
        sources: list[Callable[[], set[str]]],
        visible: Callable[[], list[AgentPane]],
        front: Callable[[], set[str]],
    ) -> None:
        self.commands = commands
        self.front_commands = front_commands
        self.sources = sources
        self.visible = visible
        self.front = front
        self.pending: set[str] = set()
        self.hot: set[str] = set()
        self.last_input = time.monotonic()
        self._in_flight: set[str] = set()
        self._last_capture: dict[str, float] = {}
        self._sizes: dict[str, tuple[int, int]] = {}
        self._activity: dict[str, int] = {}
        self._handle: asyncio.Handle | None = None
        self._frames: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        """Begin the background frames (on the running loop)."""
        self._frames = asyncio.get_running_loop().create_task(self._background())

    def close(self) -> None:
        """The cockpit is going: no more captures."""
        self.closed = True
        if self._handle is not None:
            self._handle.cancel()
        if self._frames is not None:
            self._frames.cancel()

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
        asyncio.ensure_future(self.front_commands.command(*args)).add_done_callback(_settle)

    # -- the background panes: polled, captured together, drawn one by one ------------------

    async def _background(self) -> None:
        period = 1 / BACKGROUND_FPS
        tick = time.monotonic()
        while not self.closed:
            front = self.front()
            panes = [
                p
                for p in self.visible()
                if p.pane_id and p.pane_id not in front and p.pane_id in self.pending | self.hot
            ]
            for pane in panes:
                self.pending.discard(pane.pane_id or "")
            asked = math.floor(time.time())
            # A failed capture (the pane went away) or poll (the server did) is skipped; the
            # next map or frame puts it right.
            activity, *captures = await asyncio.gather(
                self.commands.command("list-panes", "-s", "-F", ACTIVITY_FORMAT),
                *(self._capture_of(p.pane_id or "") for p in panes),
                return_exceptions=True,
            )
            if isinstance(activity, list):
                self._heat(activity, asked)
                self.wake()  # the front pane may be hot
            deadline = tick + 0.8 * period
            for i, (pane, capture) in enumerate(zip(panes, captures, strict=True)):
                if self.closed:
                    return
                if isinstance(capture, tuple):
                    self._show(pane, capture)
                # Spread the frame's drawing: each screen update draws one pane or so.
                rest = len(panes) - i - 1
                if rest:
                    await asyncio.sleep(max(0.0, deadline - time.monotonic()) / (rest + 1))
            tick = max(tick + period, time.monotonic())
            await asyncio.sleep(max(0.0, tick - time.monotonic()))

    def _heat(self, lines: list[str], asked: int) -> None:
        """Which panes printed lately, from the window activity stamps."""
        hot = set()
        for line in lines:
            pane_id, _, stamp = line.partition(" ")
            if not stamp.isdigit():
                continue
            activity = int(stamp)
            # Stamps are whole seconds: a pane that printed in this second or the last may
            # have changed since its last capture; a new stamp means it printed, however late
            # this poll is.
            if activity >= asked - 1 or activity != self._activity.get(pane_id, activity):
                hot.add(pane_id)
            self._activity[pane_id] = activity
        self.hot = hot

    # -- the front pane: captured as soon as its stream says it changed ----------------------

    def wake(self) -> None:
        for take_dirty in self.sources:
            self.pending |= take_dirty()
        if self.closed or not (self.pending | self.hot) & self.front():
            return
        if isinstance(self._handle, asyncio.TimerHandle) and self.pending & self.front():
            # The front pane changed: it does not wait for the next frame at the slow rate.
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
        later = float("inf")
        for pane_id in (self.pending | self.hot) & self.front():
            pane = on_screen.get(pane_id)
            if pane is None or pane_id in self._in_flight:
                continue  # off screen, or being captured: stays pending
            # Its own stream's changes come at once; being hot (polled) brings a frame at
            # the background rate, in case the stream missed one.
            period = 1 / (FOCUSED_FPS if pane_id in self.pending else BACKGROUND_FPS)
            due = self._last_capture.get(pane_id, 0.0) + period
            if due > now:
                later = min(later, due)
                continue
            self.pending.discard(pane_id)
            self._in_flight.add(pane_id)
            self._last_capture[pane_id] = now
            asyncio.ensure_future(self._capture_front(pane, pane_id))
        if later != float("inf") and self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(later - now, self._pump)

    async def _capture_front(self, pane: AgentPane, pane_id: str) -> None:
        try:
            capture = await self._capture_of(pane_id, self.front_commands)
        except (TmuxError, TimeoutError):  # the pane or the client went away: a map fixes it
            return
        finally:
            self._in_flight.discard(pane_id)
        if not self.closed:
            self._show(pane, capture)
            pane.draw_now()
            self.wake()

    # -- both --------------------------------------------------------------------------------

    async def _capture_of(self, pane_id: str, client: ControlClient | None = None) -> Capture:
        client = client or self.commands
        lines, cursor = await asyncio.gather(
            client.command("capture-pane", "-p", "-e", "-N", "-t", pane_id),
            client.command("display-message", "-p", "-t", pane_id, CURSOR_FORMAT),
        )
        return lines, cursor

    def _show(self, pane: AgentPane, capture: Capture) -> None:
        lines, cursor = capture
        info = cursor[0].split() if cursor else []
        if len(info) < 5 or not all(x.isdigit() for x in info[:5]):
            return
        cx, cy, flag, w, h = (int(x) for x in info[:5])
        pane.show("\n".join(lines), (w, h), (cx, cy, flag == 1))
        if (w, h) != pane.wanted_size() and time.monotonic() - self.last_input < RECENT_INPUT:
            # Another cockpit resized it while this one is in use: this one wins.
            self.resize(pane, force=True)


def _settle(task: asyncio.Future[list[str]]) -> None:
    """Collect a fire-and-forget command's outcome, so a failure is not reported as unhandled."""
    if not task.cancelled() and not isinstance(task.exception(), TmuxError | None):
        raise task.exception()  # type: ignore[misc]
