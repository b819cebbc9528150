"""One agent's live terminal in the grid, drawn through Textual's line API.

The app hands it captures (`show`); it decodes the part in view, keeps one Strip per row and
refreshes only the rows that changed. A cell smaller than the agent's terminal shows the part
that matters (the bottom rows, moved to keep the cursor in view) and says it is cropped.

The pane draws its frame (titles saying who the agent is) itself and hands its rows to the
compositor as they are (`render_lines`), past Textual's per-widget styles cache and border
rendering: with 8 busy panes at 12 frames a second, that work on every changed row was most
of the cockpit's time, and the time the front pane waited for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.color import Color
from textual.content import Content
from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from orgtui.protocol.status import AgentState, AgentStatus
from orgtui.tui.ansi import RowCache, decode, last_written, with_cursor
from orgtui.tui.layout import crop_window
from orgtui.tui.textual_private import draw_widgets_now, layout_pending, updates_batched
from orgtui.tui.verdicts import last_verdict
from orgtui.tui.vt import Screen, apply

STATE_MARKS: dict[AgentState, tuple[str, str]] = {
    "starting": ("◌", "yellow"),
    "restarting": ("↻", "yellow"),
    "running": ("●", "green"),
    "exited": ("■", "grey50"),
    "crashed": ("✖", "red"),
    "stopped": ("■", "grey50"),
}


WAITING = "waits for you"
"""The title's state of an agent with a question to a person on its screen."""


def _age(seconds: float) -> str:
    """How long, as a title shows it: seconds up to 10, then in steps that keep a title
    from changing every second (a title drawn again costs the whole status tick)."""
    if seconds < 10:
        return f"{seconds:.0f}s"
    if seconds < 60:
        return f"{seconds // 10 * 10:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def title_for(
    agent: str, info: AgentStatus | None, taken: bool, metric: str = ""
) -> tuple[Content, str]:
    """(border title, border subtitle) for `agent` from its status entry `info` (None: no
    status came yet); `metric`: the org's metric, which the agent's last value is of. The title
    ends with the agent's latest verdict, when it has one (`✓ better g7`, coloured)."""
    mark, colour = STATE_MARKS.get(info.state, ("?", "white")) if info else ("?", "white")
    state: str = info.state if info else "?"
    state_style = ""
    if info and info.state in ("starting", "running"):
        state = "busy" if info.activity == "busy" else f"idle {_age(info.idle_seconds)}"
        if info.activity == "waiting":  # a question to a person is on its screen
            state, state_style = f" {WAITING} ", "bold reverse yellow"
    elif info and info.exit_status is not None:
        state = f"{state} ({info.exit_status})"
    verdict = last_verdict(info.last_verdict) if info else None
    title = Content.assemble(
        (mark, colour),
        " ",
        (f" ⌨ {agent} " if taken else agent, "reverse bold" if taken else "bold"),
        f" · {info.role if info else ''} · ",
        (state, state_style),
        *((" · ", verdict) if verdict else ()),
    )
    parts = [info.branch] if info else []
    if info and info.device:
        parts.append(f"dev {info.device}")
    if info and info.last_metric is not None:
        parts.append(f"{metric or 'metric'} {info.last_metric:#.4g}")
    subtitle = f"[dim]{' · '.join(p for p in parts if p)}[/]"
    return title, subtitle


_BOXES = {  # corners and edges: top-left, top, top-right, side, bottom-left, bottom-right
    "round": "╭─╮│╰╯",
    "heavy": "┏━┓┃┗┛",
}
# The frame's colour (a theme variable) and box, by the pane's state.
_FRAMES = {"": ("panel-lighten-3", "round"), "focus": ("accent", "round"),
           "taken": ("warning", "heavy")}  # fmt: skip


class AgentPane(Widget, can_focus=True):
    """An agent's terminal, as tmux holds it, in a frame that says whose it is.

    One widget draws it all, frame included, from cached strips (`render_lines`): the rows
    of the agent's screen go to the compositor as they are, in the terminal's own colours.
    """

    DEFAULT_CSS = "AgentPane { width: 1fr; height: 1fr; }"

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
        self.info: AgentStatus | None = None  # its entry in orgd's latest status
        self.metric = ""  # the org's metric
        self.taken = False
        self.cropped = False
        self.frames = 0  # captures shown
        self.applied = 0  # outputs drawn as they came (see `apply`)
        self.rows: list[Strip] = []  # the view's rows, each exactly the view's width
        self._lines: dict[int, Strip] = {}  # drawn lines (frame included) by widget row
        self._term_size = (0, 0)
        self._cursor = (0, 0, False)
        self._shown_cursor: tuple[int, int] | None = None  # (x, y) in the view
        self._offset = (0, 0)
        # The frame's title and subtitle (not Textual's border titles: setting one of those
        # repaints the whole pane, and the status sets them every second).
        self.title: Content = Content(agent)
        self.subtitle = ""
        self._title_key: tuple[Any, ...] = ()
        self._frame_key: tuple[Any, ...] = ()
        self._edges: tuple[Segment, Strip, Strip] | None = None  # side, top, bottom
        self._vt: Screen | None = None  # the screen output is applied to, when it can be
        self._row_cache: RowCache = {}  # the last capture's rows, by their text

    @property
    def view_size(self) -> Size:
        """The agent's screen area: the pane inside its frame."""
        width, height = self.size
        return Size(max(0, width - 2), max(0, height - 2))

    # -- what the app tells it --------------------------------------------------------------

    @property
    def term_size(self) -> tuple[int, int]:
        """The agent's terminal size as last captured."""
        return self._term_size

    def wanted_size(self) -> tuple[int, int]:
        """The agent's terminal size for this cell: the cell, never below the agent's size."""
        w, h = self.view_size
        return max(w, self.min_size[0]), max(h, self.min_size[1])

    def set_info(self, info: AgentStatus, metric: str = "") -> None:
        """The agent's entry in orgd's status, and the org's `metric` (its last value's)."""
        self.info, self.metric = info, metric
        self._update_title()

    def set_taken(self, taken: bool) -> None:
        self.taken = taken
        self.set_class(taken, "-taken")
        self._update_title()
        self._focus_changed()

    def _update_title(self) -> None:
        title, subtitle = title_for(self.agent, self.info, self.taken, self.metric)
        if self.cropped:
            subtitle = f"[yellow]cropped {self._term_size[0]}x{self._term_size[1]}[/] · " + subtitle
        key = (title.plain, tuple(title.spans), subtitle)
        if key != self._title_key:
            self._title_key = key
            self.title, self.subtitle = title, subtitle
            self._redraw_frame(titles_only=True)

    def show(
        self,
        capture: str,
        size: tuple[int, int],
        cursor: tuple[int, int, bool],
        live: bool = False,
    ) -> None:
        """New contents: a capture (`capture-pane -p -e -N`) of the agent's `size` terminal,
        the cursor (x, y, visible). Only the part the view shows is decoded, at its width.
        `live`: the pane's output from the capture on will be applied (`apply`)."""
        self.frames += 1
        width, height = self.view_size
        cropped = size[0] > width or size[1] > height
        offset = (0, 0)
        if cropped:
            # A shown cursor is kept in view where someone types; a hidden one (htop parks
            # its cursor in the bottom-right corner) is nowhere anyone looks: not followed.
            cx, cy, visible = cursor
            last = last_written(capture)
            at = (cx, cy) if visible else (0, last)
            follow = visible and (self.has_focus or self.taken)
            offset = crop_window(size, (width, height), at, last, follow)
        if cropped != self.cropped or size != self._term_size:
            self.cropped, self._term_size = cropped, size
            self._update_title()
        ox, oy = offset
        rows = decode(capture, width, min(height, size[1]), oy, ox, self._row_cache)
        old = self.rows
        self.rows = rows
        if offset != self._offset or len(rows) != len(old):
            self._redraw(range(len(rows)))
            self._redraw(range(len(rows), len(old)))
        else:
            self._redraw([y for y, row in enumerate(rows) if row is not old[y] and row != old[y]])
        self._offset, self._cursor = offset, cursor
        self._show_cursor()
        self._vt = Screen(rows, width, offset, cursor[:2], size[0]) if live else None

    def apply(self, output: bytes) -> bool:
        """Draw what the agent printed since the last capture, if it is a plain echo (see
        `vt.py`); False (and no more until the next live capture) if it is more."""
        if self._vt is None:
            return False
        changed = apply(self._vt, output)
        if changed is None:
            self._vt = None
            return False
        self.applied += 1
        self.rows = self._vt.rows
        self._cursor = (*self._vt.cursor, self._cursor[2])
        self._redraw(changed)
        self._show_cursor()
        return True

    def apply_off(self) -> None:
        """Output can no longer be applied until the next live capture."""
        self._vt = None

    def draw_now(self) -> None:
        """Put the pane's changed rows on the terminal now rather than at the screen's next
        update, which waits for a message to the screen, its idle turn and its timer: under
        load those hops cost the front pane's echo ~10 ms. Left to the screen while it is not
        the one shown, updates are batched or a layout is pending."""
        screen = self.screen
        if screen is not self.app.screen or updates_batched(self.app) or layout_pending(screen):
            return
        draw_widgets_now(screen, self)

    def _show_cursor(self) -> None:
        (cx, cy, visible), (ox, oy) = self._cursor, self._offset
        shown = (cx - ox, cy - oy) if visible and (self.has_focus or self.taken) else None
        if shown != self._shown_cursor:
            self._redraw([xy[1] for xy in (self._shown_cursor, shown) if xy is not None])
            self._shown_cursor = shown

    def on_focus(self) -> None:
        self._focus_changed()

    def on_blur(self) -> None:
        self._focus_changed()

    def _focus_changed(self) -> None:
        self._show_cursor()
        self._redraw_frame()
        if self.cropped:  # a cropped view follows the cursor only with focus: capture again
            self.post_message(self.Resized(self))

    def on_resize(self, event: events.Resize) -> None:
        self.rows = []
        self._vt = None
        self._lines.clear()
        self._edges = None
        self.post_message(self.Resized(self))

    # -- drawing ----------------------------------------------------------------------------

    def _redraw(self, view_rows: Iterable[int]) -> None:
        """Draw these rows of the view again (as one region from the first to the last: the
        compositor's work grows with the number of regions more than with their size)."""
        rows = sorted(view_rows)
        if not rows:
            return
        for y in rows:
            self._lines.pop(y + 1, None)
        if len(rows) > 1 and rows[-1] - rows[0] + 1 > 2 * len(rows):  # far apart: each alone
            self.refresh(*[Region(0, y + 1, self.size.width, 1) for y in rows])
        else:
            self.refresh(Region(0, rows[0] + 1, self.size.width, rows[-1] - rows[0] + 1))

    def _redraw_frame(self, titles_only: bool = False) -> None:
        """Draw the frame again: its top and bottom rows for new titles, else all of it (a
        new colour)."""
        self._edges = None
        if not titles_only:
            self._lines.clear()
            self.refresh()
            return
        width, height = self.size
        for y in {0, height - 1}:
            self._lines.pop(y, None)
            self.refresh(Region(0, y, width, 1))

    def render_line(self, y: int) -> Strip:
        """Row y of the agent's screen as the pane shows it (the cursor included)."""
        return self._row(y, self.view_size.width)

    def _row(self, y: int, width: int) -> Strip:
        if y >= len(self.rows):
            return Strip.blank(width)
        strip = self.rows[y]
        if self._shown_cursor is not None and y == self._shown_cursor[1]:
            strip = with_cursor(strip, self._shown_cursor[0])
        return strip.adjust_cell_length(width) if strip.cell_length != width else strip

    def render_lines(self, crop: Region) -> list[Strip]:
        width, height = self.size
        side, top, bottom = self._frame()
        lines = self._lines
        strips = []
        for y in crop.line_range:
            line = lines.get(y)
            if line is None:
                if y == 0:
                    line = top
                elif y == height - 1:
                    line = bottom
                else:
                    line = Strip([side, *self._row(y - 1, width - 2), side], width)
                lines[y] = line
            strips.append(line)
        # Terminal colours stay the terminal's own; other filters (no colour, dim) apply.
        filters = [f for f in self.app.get_line_filters() if not isinstance(f, ANSIToTruecolor)]
        for line_filter in filters:
            background = self.background_colors[1]
            strips = [strip.apply_filter(line_filter, background) for strip in strips]
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _frame(self) -> tuple[Segment, Strip, Strip]:
        """The frame's side, top (with the title) and bottom (with the subtitle)."""
        state = "taken" if self.taken else "focus" if self.has_focus else ""
        if self._edges is None or self._frame_key != (state, self.app.theme):
            self._frame_key = (state, self.app.theme)
            variable, box = _FRAMES[state]
            colour = self.app.get_css_variables().get(variable, "grey50")
            style = Style(color=Color.parse(colour).rich_color)
            tl, edge, tr, side, bl, br = tuple(_BOXES[box])
            width = self.size.width
            title = _label(self.title, width - 4, style)
            subtitle = _label(self.subtitle, width - 4, style)
            fill = max(0, width - 3 - _cells(title))
            top = [Segment(tl + edge, style), *title, Segment(edge * fill + tr, style)]
            fill = max(0, width - 3 - _cells(subtitle))
            bottom = [Segment(bl + edge * fill, style), *subtitle, Segment(edge + br, style)]
            self._edges = (
                Segment(side, style),
                Strip(top).crop(0, width),
                Strip(bottom).crop(0, width),
            )
        return self._edges


def _label(text: Content | str | None, room: int, base: Style) -> list[Segment]:
    """A title's segments, a space either side, cut to `room` cells."""
    if not text or room < 3:
        return []
    content = text if isinstance(text, Content) else Content.from_markup(text)
    segments = content.truncate(room - 2, ellipsis=True).render_segments()
    return [Segment(" ", base), *segments, Segment(" ", base)]


def _cells(segments: list[Segment]) -> int:
    return sum(segment.cell_length for segment in segments)
