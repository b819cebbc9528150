"""`Takeover`: the agent pane that has the keyboard. While one has it, every key and paste goes
to the agent's tmux pane before the cockpit's bindings (priority ones included) and widgets see
it, until the escape chord (F12 unless told otherwise, and Ctrl-] always) gives it back.

A pane taken over shows the agent's whole screen: one whose cell is smaller than the agent's
terminal is zoomed (and the side panel hidden, where the zoomed pane would still be too
small) while it has the keyboard; giving it back puts the grid back as it was."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from textual import events
from textual.app import App
from textual.widget import Widget

from orgtui.tmux.server import TmuxServer
from orgtui.tui.feed import PaneFeed
from orgtui.tui.grid import PaneGrid
from orgtui.tui.keys import escape_chord, tmux_keys
from orgtui.tui.pane import AgentPane


class Takeover:
    """Which pane of `app` has the keyboard, and its keys sent on to the agent: through the
    pane feed's key client, pastes through `tmux`. `escape` (a Textual key name) gives the
    keyboard back, by calling `give_back`. `grid`: where the panes are, zoomed for a takeover."""

    def __init__(
        self,
        app: App[Any],
        tmux: TmuxServer,
        escape: str,
        give_back: Callable[[], None],
        grid: PaneGrid,
    ) -> None:
        self.app = app
        self.grid = grid
        self.tmux = tmux
        self.give_back = give_back
        self.escape_keys = {escape, "ctrl+right_square_bracket"}
        self.escape_label = escape.upper() if escape.startswith("f") else escape.title()
        self.escape_tmux = escape_chord(escape)[1]  # the same chord, for a plain tmux client
        self.pane: AgentPane | None = None
        self._zoomed = False  # the takeover zoomed the pane: unzoom it on release
        self._hidden: Widget | None = None  # the side panel the takeover hid

    def take(self, pane: AgentPane) -> None:
        """Give `pane` the keyboard, and show all of its agent's screen."""
        self.pane = pane
        pane.set_taken(True)
        width, height = pane.view_size
        if not pane.cropped and width >= pane.min_size[0] and height >= pane.min_size[1]:
            return
        if self.grid.zoomed is None:
            self.grid.toggle_zoom(pane)
            self._zoomed = True
        # The zoomed pane fills the grid: is that, frame included, still smaller than the
        # agent's terminal? Then the side panel makes room too.
        (width, height), (need_w, need_h) = self.grid.size, pane.min_size
        panel = next(iter(self.app.query("#side")), None)
        if panel is not None and panel.display and (width < need_w + 2 or height < need_h + 2):
            panel.display = False
            self._hidden = panel

    def release(self) -> None:
        """Take the keyboard back; the pane that had it keeps the focus, and the grid is
        shown as it was before the takeover (zoom, side panel)."""
        pane, zoomed, hidden = self.pane, self._zoomed, self._hidden
        self.pane, self._zoomed, self._hidden = None, False, None
        if pane is None:
            return
        pane.set_taken(False)
        if zoomed and self.grid.zoomed is pane:
            self.grid.toggle_zoom(None)
        if hidden is not None and hidden.is_attached:
            hidden.display = True
        pane.focus()

    def forward(self, event: events.Event, feed: PaneFeed | None) -> bool:
        """Send a key or a paste to the agent whose pane has the keyboard, or give the
        keyboard back on the escape chord: True when it did (and the cockpit must not act on
        the event), False when the event is the cockpit's."""
        pane = self.pane
        if pane is None or not isinstance(event, events.Key | events.Paste):
            return False
        event.stop()
        event.prevent_default()
        if isinstance(event, events.Key) and event.key in self.escape_keys:
            self.give_back()
        elif isinstance(event, events.Key):
            args = tmux_keys(event.key, event.character)
            if args and feed and pane.pane_id:
                feed.send("send-keys", "-t", pane.pane_id, *args)
        else:
            paste = partial(self._paste, pane, event.text)
            self.app.run_worker(paste, name="paste", group="paste", thread=True)
        return True

    def _paste(self, pane: AgentPane, text: str) -> None:
        if pane.pane_id:
            self.tmux.paste(pane.pane_id, text, f"orgtui-tui-{os.getpid()}")
