"""Keeping the agent panes' screens current: the cockpit's data path.

A pane's screen is captured (`capture-pane -e -p -N` and the cursor) through a control client
that carries no output, so a capture never waits behind queued output. Which panes to capture
comes from two places:

- The front (focused or taken-over) pane's output streams on a control client of its own
  (`focus.py`). What it prints is drawn as it arrives where it is a plain echo (`vt.py`), and
  the pane is captured, through that client, as soon as it changes (up to FOCUSED_FPS): the
  capture shows the truth, and the output that followed its reply is drawn on top of it.
- Every other pane is polled. Each frame (BACKGROUND_FPS; every IDLE_POLLS frames while
  nothing changes) one `list-panes` gives every window's last activity, in whole seconds; a pane that printed in this second or the last is
  "hot" and is captured every frame until it has been quiet for a whole second. A frame's
  captures go to tmux together (one round trip) and are drawn in DRAWS_PER_FRAME screen
  updates spread across the frame, so no single update draws every busy pane while the front
  pane waits behind it.

The org session's %output stream is not read at all: under a flood (8 panes, ~20 MB/s) a
control client cannot drain it, tmux 3.3a's memory grows with what is queued for it, replies
wait behind it, and reading it costs the cockpit the CPU its front pane needs.

Each agent's window is kept at the size its cell wants, never below the agent's own size.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from orgtui.tmux.control import ControlClient, Reply
from orgtui.tmux.server import TmuxError
from orgtui.tui.focus import FocusStream
from orgtui.tui.pane import AgentPane
from orgtui.tui.vt import unescape

FOCUSED_FPS = 120.0
BACKGROUND_FPS = 11.0
CURSOR_FORMAT = "#{cursor_x} #{cursor_y} #{cursor_flag} #{pane_width} #{pane_height}"
ACTIVITY_FORMAT = "#{pane_id} #{window_activity}"
RECENT_INPUT = 5.0
DRAWS_PER_FRAME = 4  # screen updates a frame's background panes are drawn in (2 panes each:
# a key waits behind at most one of them, ~2-4 ms, not behind 4 panes' decoding)
IDLE_POLLS = 4  # with nothing changing, every 4th frame polls
STREAM_LOG = 256  # the front pane's latest output lines kept, to replay after a capture

Capture = tuple[list[str], list[str]]
log = logging.getLogger(__name__)


class PaneFeed:
    """Captures panes when they change and hands the captures to their widgets."""

    def __init__(
        self,
        commands: ControlClient,
        front_commands: ControlClient,
        socket: Path,
        org: str,
        visible: Callable[[], list[AgentPane]],
        front: Callable[[], set[str]],
    ) -> None:
        self.commands = commands
        self.front_commands = front_commands
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
        self._kick = asyncio.Event()  # a pane to draw came up: no waiting for the next frame
        # The front pane's output, as (client, its output count, pane, data).
        self._log: deque[tuple[ControlClient, int, str, bytes]] = deque(maxlen=STREAM_LOG)
        self.focus = FocusStream(socket, org, front_commands, self._front_output)
        self.closed = False

    async def start(self) -> None:
        """Begin the background frames (on the running loop)."""
        await self.focus.reap_stale()
        self._frames = asyncio.get_running_loop().create_task(self._background())

    async def close(self) -> None:
        """The cockpit is going: no more captures."""
        self.closed = True
        if self._handle is not None:
            self._handle.cancel()
        if self._frames is not None:
            self._frames.cancel()
        await self.focus.close()

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
        """Run a tmux command without waiting for it (a key, a resize): written to tmux now,
        ahead of whatever the loop has ready. A failure means the pane or the server went
        away, which the next status and map show."""
        with contextlib.suppress(TmuxError):
            self.front_commands.send_now(*args).add_done_callback(_settle)

    # -- the background panes: polled, captured together, drawn spread out -----------------

    def _on_screen(self) -> set[str]:
        """The tmux panes of the agent panes on screen (a zoomed one, or the page's)."""
        return {p.pane_id for p in self.visible() if p.pane_id}

    async def _background(self) -> None:
        period = 1 / BACKGROUND_FPS
        while not self.closed:
            start = time.monotonic()
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
            deadline = start + 0.8 * period
            # Spread the frame's drawing over a few screen updates, a few panes each.
            per = -(-len(panes) // DRAWS_PER_FRAME) if panes else 1
            for i, (pane, capture) in enumerate(zip(panes, captures, strict=True)):
                if self.closed:
                    return
                if isinstance(capture, tuple):
                    try:
                        self._show(pane, capture)
                    except Exception:  # one pane's bad frame must not stop every pane's
                        log.exception("drawing %s", pane.agent)
                rest = -(-(len(panes) - i - 1) // per)  # draws still to come
                if rest and (i + 1) % per == 0:
                    await asyncio.sleep(max(0.0, deadline - time.monotonic()) / (rest + 1))
            # The next frame is a period after this one began (more, while nothing on screen
            # changes), or sooner when a pane on screen is to be drawn (`wake`). Counted from
            # this frame, never from a schedule that frames woken early would run ahead of.
            changing = (self.hot | self.pending) & self._on_screen()
            until = start + period * (1 if changing else IDLE_POLLS)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, until - time.monotonic())):
                    await self._kick.wait()
            self._kick.clear()

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

    def _front_output(self, pane_id: str, data: bytes) -> None:
        """The front pane printed (on the focus client's reader, in the stream's order)."""
        client = self.focus.client
        if client is None or self.closed:
            return
        self._log.append((client, client.outputs, pane_id, data))
        self.pending.add(pane_id)
        pane = next((p for p in self.visible() if p.pane_id == pane_id), None)
        if pane is not None and pane.pane_id in self.front() and pane.apply(unescape(data)):
            pane.draw_now()
        self.wake()

    def wake(self) -> None:
        # Only a pane on screen wakes the background frames: one hidden by a zoom or on
        # another page stays pending until it is shown (its resize wakes them then).
        if (self.pending - self.front()) & self._on_screen():
            self._kick.set()
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
        live = self.focus.client_for(pane.window_id)
        try:
            if live is None:
                capture = await self._capture_of(pane_id, self.front_commands)
            else:  # at once, so the cursor and the rows are of one moment in the stream
                rows, cursor = await live.commands(
                    ("capture-pane", "-p", "-e", "-N", "-t", pane_id),
                    ("display-message", "-p", "-t", pane_id, CURSOR_FORMAT),
                )
                capture = rows, cursor
        except (TmuxError, TimeoutError):  # the pane or the client went away: a map fixes it
            return
        finally:
            self._in_flight.discard(pane_id)
        if self.closed:
            return
        self._show(pane, capture, live=live is not None)
        if live is not None and isinstance(capture[0], Reply):
            self._replay(pane, pane_id, live, capture[0].mark)
        pane.draw_now()
        self.wake()

    def _replay(self, pane: AgentPane, pane_id: str, client: ControlClient, mark: int) -> None:
        """Draw on a fresh capture the output that came after its reply."""
        log = [(n, data) for c, n, p, data in self._log if c is client and p == pane_id]
        if any(n > mark for n, _ in log) and not any(n == mark + 1 for n, _ in log):
            pane.apply_off()  # what came next is no longer kept: wait for the next capture
            return
        for n, data in log:
            if n > mark and not pane.apply(unescape(data)):
                return

    # -- both --------------------------------------------------------------------------------

    async def _capture_of(self, pane_id: str, client: ControlClient | None = None) -> Capture:
        client = client or self.commands
        lines, cursor = await asyncio.gather(
            client.command("capture-pane", "-p", "-e", "-N", "-t", pane_id),
            client.command("display-message", "-p", "-t", pane_id, CURSOR_FORMAT),
        )
        return lines, cursor

    def _show(self, pane: AgentPane, capture: Capture, live: bool = False) -> None:
        lines, cursor = capture
        info = cursor[0].split() if cursor else []
        if len(info) < 5 or not all(x.isdigit() for x in info[:5]):
            return
        cx, cy, flag, w, h = (int(x) for x in info[:5])
        pane.show("\n".join(lines), (w, h), (cx, cy, flag == 1), live=live)
        if (w, h) != pane.wanted_size() and time.monotonic() - self.last_input < RECENT_INPUT:
            # Another cockpit resized it while this one is in use: this one wins.
            self.resize(pane, force=True)


def _settle(reply: asyncio.Future[list[str]]) -> None:
    """Collect a fire-and-forget command's outcome, so a failure is not reported as unhandled."""
    if not reply.cancelled() and not isinstance(reply.exception(), TmuxError | None):
        raise reply.exception()  # type: ignore[misc]
