"""One agent's live terminal in the grid, drawn through Textual's line API.

The app hands it decoded rows (`set_screen`); it keeps one cached Strip per visible row and
refreshes only the rows that changed. A cell smaller than the agent's terminal shows the part
that matters (the bottom rows, moved to keep the cursor in view) and says it is cropped.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from orgtui.tui.ansi import with_cursor
from orgtui.tui.layout import crop_window

STATE_MARKS = {
    "starting": ("◌", "yellow"),
    "running": ("●", "green"),
    "exited": ("■", "grey50"),
    "crashed": ("✖", "red"),
    "stopped": ("■", "grey50"),
}


def _age(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def title_for(info: dict[str, Any], taken: bool) -> tuple[Content, str]:
    """(border title, border subtitle) for an agent's status entry."""
    mark, colour = STATE_MARKS.get(info.get("state", ""), ("?", "white"))
    state = info.get("state", "?")
    if state in ("starting", "running"):
        activity = info.get("activity", "")
        state = "busy" if activity == "busy" else f"idle {_age(info.get('idle_seconds', 0))}"
    elif info.get("exit_status") is not None:
        state = f"{state} ({info['exit_status']})"
    name = info.get("name", "?")
    title = Content.assemble(
        (mark, colour),
        " ",
        (f" ⌨ {name} " if taken else name, "reverse bold" if taken else "bold"),
        f" · {info.get('role', '')} · {state}",
    )
    parts = [info.get("branch", "")]
    if info.get("device"):
        parts.append(f"dev {info['device']}")
    if info.get("last_metric"):
        parts.append(str(info["last_metric"]))
    subtitle = f"[dim]{' · '.join(p for p in parts if p)}[/]"
    return title, subtitle


class AgentPane(Widget, can_focus=True):
    """An agent's terminal, as tmux holds it."""

    DEFAULT_CSS = """
    AgentPane {
        width: 1fr;
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-align: left;
        border-subtitle-align: right;
        background: $background;
    }
    AgentPane:focus { border: round $accent; }
    AgentPane.-taken { border: heavy $warning; }
    """

    class Resized(Message):
        """The pane's cell changed size: its agent's window should follow."""

        def __init__(self, pane: AgentPane) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, agent: str, min_size: tuple[int, int] = (80, 24)) -> None:
        super().__init__(id=f"pane-{agent}")
        self.agent = agent
        self.min_size = min_size
        self.pane_id: str | None = None
        self.window_id: str | None = None
        self.info: dict[str, Any] = {"name": agent}
        self.taken = False
        self.cropped = False
        self.frames = 0
        self._rows: list[Strip] = []
        self._term_size = (0, 0)
        self._cursor = (0, 0, False)
        self._offset = (0, 0)
        self._title_key: tuple[Any, ...] = ()

    # -- what the app tells it --------------------------------------------------------------

    @property
    def term_size(self) -> tuple[int, int]:
        """The agent's terminal size as last captured."""
        return self._term_size

    def wanted_size(self) -> tuple[int, int]:
        """The agent's terminal size for this cell: the cell, never below the agent's size."""
        w, h = self.size
        return max(w, self.min_size[0]), max(h, self.min_size[1])

    def set_info(self, info: dict[str, Any]) -> None:
        self.info = info
        self._update_title()

    def set_taken(self, taken: bool) -> None:
        self.taken = taken
        self.set_class(taken, "-taken")
        self._update_title()

    def _update_title(self) -> None:
        title, subtitle = title_for(self.info, self.taken)
        if self.cropped:
            subtitle = f"[yellow]cropped {self._term_size[0]}x{self._term_size[1]}[/] · " + subtitle
        # Setting a border title repaints the whole pane: only when it changed (status comes
        # every second for every pane).
        key = (title.plain, tuple(title.spans), subtitle)
        if key != self._title_key:
            self._title_key = key
            self.border_title, self.border_subtitle = title, subtitle

    def set_screen(
        self, rows: list[Strip], size: tuple[int, int], cursor: tuple[int, int, bool]
    ) -> None:
        """New contents: `rows` of the agent's `size` terminal, the cursor (x, y, visible)."""
        self.frames += 1
        width, height = self.size
        cropped = size[0] > width or size[1] > height
        offset = (0, 0)
        if cropped:
            last = next((y for y in range(len(rows) - 1, -1, -1) if rows[y].text.strip()), 0)
            offset = crop_window(size, (width, height), cursor[:2], last)
        if cropped != self.cropped or size != self._term_size:
            self.cropped, self._term_size = cropped, size
            self._update_title()
        ox, oy = offset
        visible = [row.crop(ox, ox + width) if ox else row for row in rows[oy : oy + height]]
        moved = offset != self._offset or len(visible) != len(self._rows)
        old_cursor_row = self._cursor[1] - self._offset[1]
        self._offset, self._cursor = offset, cursor
        if moved:
            self._rows = visible
            self.refresh()
            return
        for y, (new, old) in enumerate(zip(visible, self._rows, strict=True)):
            if new != old:
                self._rows[y] = new
                self.refresh(Region(0, y, width, 1))
        # The cursor's old and new rows redraw too (it may have moved without text changing).
        for y in {old_cursor_row, cursor[1] - oy}:
            if 0 <= y < height:
                self.refresh(Region(0, y, width, 1))

    def on_resize(self, event: events.Resize) -> None:
        self._rows = []
        self.post_message(self.Resized(self))

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self._rows):
            return Strip([Segment(" " * width, Style())], width)
        strip = self._rows[y]
        cx, cy, visible = self._cursor
        if visible and (self.has_focus or self.taken) and y == cy - self._offset[1]:
            strip = with_cursor(strip, cx - self._offset[0])
        return strip.adjust_cell_length(width) if strip.cell_length != width else strip
