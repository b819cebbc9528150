"""The grid of agent panes: its shape for the screen, pages when more agents than fit, zoom;
and the containers behind it."""

from __future__ import annotations

from textual import events
from textual.containers import Grid, Horizontal
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

from orgtui.protocol.status import AgentStatus
from orgtui.tui.layout import grid_shape
from orgtui.tui.pane import AgentPane

EMPTY_REDRAW_S = 0.5  # how often the grid's empty slots are painted again


class PaneGrid(Grid):
    """Every agent's pane, laid out to fill the space (1, 2, 2x2, 3x2, 4x2, 3x3 ...)."""

    DEFAULT_CSS = """
    PaneGrid { grid-size: 2 2; grid-gutter: 0; width: 1fr; height: 1fr; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.panes: dict[str, AgentPane] = {}
        self.page = 0
        self.zoomed: AgentPane | None = None

    async def set_agents(self, agents: list[AgentStatus]) -> None:
        """One pane per agent of a status (rebuilt when the agents change)."""
        await self.remove_children()
        self.panes = {}
        for info in agents:
            cols, rows = info.size or [80, 24]
            self.panes[info.name] = AgentPane(info.name, (cols, rows))
        await self.mount_all(self.panes.values())
        self.arrange_panes()

    def _shape(self) -> tuple[int, int]:
        if self.zoomed:
            return 1, 1
        # Before the first layout (or after the last) the grid has no size: assume a terminal.
        width, height = self.size.width or 160, self.size.height or 48
        return grid_shape(len(self.panes), width, height)

    @property
    def columns(self) -> int:
        return min(self._shape()[0], max(1, len(self.shown())))

    def pages(self) -> int:
        cols, rows = self._shape()
        return max(1, -(-len(self.panes) // (cols * rows)))

    def shown(self) -> list[AgentPane]:
        """The panes on screen: the zoomed one, or the current page."""
        if self.zoomed:
            return [self.zoomed]
        cols, rows = self._shape()
        n = cols * rows
        return list(self.panes.values())[self.page * n : (self.page + 1) * n]

    def arrange_panes(self) -> None:
        """Show the current page (or the zoomed pane) in as many columns and rows as it needs."""
        if not self.panes:
            return
        self.page = min(self.page, self.pages() - 1)
        shown = self.shown()
        cols = min(self._shape()[0], len(shown))
        self.styles.grid_size_columns = cols
        self.styles.grid_size_rows = -(-len(shown) // cols)
        ids = set(map(id, shown))
        for pane in self.panes.values():
            pane.display = id(pane) in ids

    def toggle_zoom(self, pane: AgentPane | None) -> None:
        self.zoomed = None if self.zoomed or pane is None else pane
        self.arrange_panes()

    def turn_page(self, step: int) -> None:
        self.page = (self.page + step) % self.pages()
        self.zoomed = None
        self.arrange_panes()

    def render_lines(self, crop: Region) -> list[Strip]:
        return _blank(self, crop)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.arrange_panes)

    def on_mount(self) -> None:
        self.set_interval(EMPTY_REDRAW_S, self.redraw_empty)

    def empty_regions(self) -> list[Region]:
        """The grid's cells that no pane covers (right of and below the page's last pane),
        in the grid's own coordinates."""
        shown = self.shown()
        if not shown:
            return [self.size.region] if self.size else []
        if not shown[-1].region:  # not laid out yet
            return []
        last = shown[-1].region.translate(-self.content_region.offset)
        width, height = self.size
        regions = [
            Region(last.right, last.y, width - last.right, last.height),
            Region(0, last.bottom, width, height - last.bottom),
        ]
        return [region for region in regions if region.area > 0]

    def redraw_empty(self) -> None:
        """Paint the empty slots again. A pane's region is painted whenever it changes; an
        empty slot never changes, so what the terminal shows there would stay for good if
        anything but the cockpit had written it: a row of a pane that the terminal drew
        wider than Textual counted it (a character whose width they disagree on)."""
        if regions := self.empty_regions():
            self.refresh(*regions)


class MainRow(Horizontal):
    """The row holding the grid and the side panel."""

    def render_lines(self, crop: Region) -> list[Strip]:
        return _blank(self, crop)


class CockpitScreen(Screen[None]):
    """The cockpit's screen."""

    def render_lines(self, crop: Region) -> list[Strip]:
        return _blank(self, crop)


def _blank(widget: Grid | Horizontal | Screen[None], crop: Region) -> list[Strip]:
    """A container's own lines: blank, and (but for an empty grid cell) hidden behind what
    it holds, yet asked for on every screen update, which with busy panes is many times a
    second: blanks in its background, without the styles cache's work."""
    return [Strip.blank(crop.width, widget.visual_style.rich_style)] * crop.height
