"""What a takeover shows, over a real org (real orgd, tmux and agents) driven with Textual's
pilot: a pane whose cell is smaller than its agent's 80x24 terminal shows the whole screen
while it has the keyboard (its last column and its last row) and the grid comes back as it
was; a hidden cursor does not move the part of a cropped pane shown; and no notice covers a
pane."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from orgtui.config.runtime import resolve
from orgtui.tui.app import OrgApp
from orgtui.tui.pane import AgentPane
from tests.helpers import wait_for_async
from tests.tui.test_app import drawn, shown, window_size

AGENTS = Path(__file__).parent.parent / "agents"

ORG = f"""
[org]
name = "cockpit"
repo = "{{repo}}"

[[agent]]
name = "ruler"
command = ["{sys.executable}", "{AGENTS / "ruler.py"}"]

[[agent]]
name = "top"
command = ["{sys.executable}", "{AGENTS / "ruler.py"}", "--hidden"]

[[agent]]
name = "shell"
command = ["bash", "--norc", "--noprofile"]
"""


def start(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    return resolve("cockpit")


def whole(pane: AgentPane) -> bool:
    """The pane shows all of its agent's screen: every row, each to its last column."""
    width, height = pane.term_size
    rows = shown(pane).split("\n")
    return (
        not pane.cropped
        and rows[0].startswith("L0")
        and rows[0][:width].endswith("R")
        and rows[height - 1].rstrip().endswith(f"RULER {width}x{height}")
    )


async def grid_back(pilot: Pilot, app: OrgApp, pane: AgentPane, sock: Path) -> None:
    """The grid as before the takeover: no zoom, every pane shown, `pane` focused and its
    window back at the agent's 80x24, cropped in its cell."""
    assert app.taken is None and app.zoomed is None
    assert all(p.display for p in app.panes.values()) and app.focused is pane
    await wait_for_async(
        lambda: window_size(sock, "ruler") == (80, 24) and pane.cropped,
        pilot.pause,
        what="the window back at 80x24, cropped",
    )


def overlaps(app: OrgApp) -> list[tuple[Region, Region]]:
    """Each (toast, pane) pair of regions on screen that overlap."""
    toasts = [t.region for t in app.screen.query(Toast) if t.region.area]
    panes = [p.region for p in app.panes.values() if p.display]
    return [(t, p) for t in toasts for p in panes if t.overlaps(p)]


async def notice_shown(pilot: Pilot, app: OrgApp) -> None:
    app.notify("a notice " + "long " * 40, title="orgfile")
    await wait_for_async(
        lambda: any(t.region.area for t in app.screen.query(Toast)), pilot.pause, what="a toast"
    )


def test_takeover_of_a_cropped_pane_shows_the_whole_screen(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await drawn(pilot, app)
            ruler = app.panes["ruler"]
            await wait_for_async(lambda: "L0" in shown(ruler), pilot.pause, what="the agent")
            assert ruler.view_size == (78, 21) and ruler.cropped
            ruler.focus()
            await pilot.pause()
            assert not whole(ruler)  # in the grid, its right column and the ruler are cut off
            await pilot.press("enter")
            assert app.taken is ruler and app.zoomed is ruler
            await wait_for_async(lambda: whole(ruler), pilot.pause, what="the whole screen")
            assert ruler.term_size == tuple(ruler.view_size) == (158, 44)
            # No toast: the top bar says who has the keyboard; no notice covers a pane.
            await pilot.pause(0.3)
            assert not list(app.screen.query(Toast))
            assert "ruler has the keyboard" in str(app.query_one("#topbar").render())
            await notice_shown(pilot, app)
            assert not overlaps(app)
            await pilot.press("f12")
            await grid_back(pilot, app, ruler, rt.tmux_sock)

    asyncio.run(main())


def test_takeover_makes_room_beside_the_side_panel(write_org, orgtui):
    """With the side panel open, a takeover zooms the pane and, where the zoomed pane would
    still be too small (a 120-column screen), hides the panel; giving the keyboard back shows
    it again. Notices sit over the panel, or on the footer's row without it."""
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await drawn(pilot, app)
            ruler = app.panes["ruler"]
            await pilot.press("c")  # the side panel, at its Comms section
            await wait_for_async(lambda: app.panel and app.panel.display, pilot.pause)
            ruler.focus()
            await notice_shown(pilot, app)
            assert not overlaps(app)  # over the panel
            app.clear_notifications()
            await pilot.press("enter")
            assert app.zoomed is ruler and app.panel is not None and not app.panel.display
            await wait_for_async(lambda: whole(ruler), pilot.pause, what="the whole screen")
            assert ruler.term_size == (118, 36)
            await notice_shown(pilot, app)
            assert not overlaps(app)  # on the footer's row
            await pilot.press("ctrl+right_square_bracket")
            assert app.panel.display
            await grid_back(pilot, app, ruler, rt.tmux_sock)
            await pilot.press("z")  # zoomed before: a takeover leaves it zoomed after
            await pilot.press("enter", "f12")
            assert app.zoomed is ruler

    asyncio.run(main())


def test_hidden_cursor_does_not_move_the_crop(write_org, orgtui):
    """`top` parks its hidden cursor in the bottom-right corner of its 80x24 terminal, which
    its 78x21 cell crops: focused, the pane still shows the top-left, where its text is."""
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await drawn(pilot, app)
            top = app.panes["top"]
            await wait_for_async(
                lambda: shown(top).startswith("PID USER"), pilot.pause, what="the top-left"
            )
            assert top.cropped
            frames = top.frames
            top.focus()
            await wait_for_async(lambda: top.frames > frames + 1, pilot.pause, what="captures")
            assert shown(top).startswith("PID USER")
            assert top._shown_cursor is None  # hidden, and not drawn

    asyncio.run(main())
