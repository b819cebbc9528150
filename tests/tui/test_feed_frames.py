"""The cockpit's background frames under a zoom, over a real org: a pane hidden by the zoom
that has something to draw neither makes the frames run flat out (they stay at about
BACKGROUND_FPS) nor pushes the next ones out of reach, so when the zoom ends and the side
panel opens, every pane is drawn again at once. (Both happened: a hidden pending pane woke the
frames over and over, 4,000 `list-panes` a second, and each early frame moved the schedule a
period ahead, so afterwards the grid stayed blank for as long as it had spun.)"""

from __future__ import annotations

import asyncio
from typing import Any

from orgtui.tui.app import OrgApp
from orgtui.tui.feed import BACKGROUND_FPS
from tests.helpers import wait_for_async
from tests.tui.test_app import drawn, shown, start


def test_a_zoom_neither_spins_the_frames_nor_leaves_the_grid_blank(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48)) as pilot:
            await drawn(pilot, app)
            assert app.commands is not None and app.feed is not None
            sent: list[str] = []
            command = app.commands.command

            async def counted(*args: str, **kwargs: Any) -> list[str]:
                sent.append(args[0])
                return await command(*args, **kwargs)

            app.commands.command = counted  # type: ignore[method-assign]
            shell, third = app.panes["shell"], app.panes["third"]
            shell.focus()
            await pilot.pause()
            await pilot.press("z")
            assert app.zoomed is shell and not third.display
            # `third` printed while hidden: it has something to draw once it is shown.
            app.feed.pending.add(third.pane_id or "")
            app.feed.wake()
            sent.clear()
            await pilot.pause(1.0)
            polls = sent.count("list-panes")
            assert polls <= 2 * BACKGROUND_FPS, f"{polls} polls in a second while zoomed"

            before = {name: pane.frames for name, pane in app.panes.items()}
            await pilot.press("z")
            await pilot.press("c")  # the side panel opens: every cell is narrower
            await wait_for_async(
                lambda: all(p.frames > before[n] for n, p in app.panes.items() if n != "shell"),
                pilot.pause,
                timeout=3,
                what="every pane drawn again",
            )
            await wait_for_async(
                lambda: "bash-" in shown(third), pilot.pause, timeout=3, what="third's prompt"
            )

    asyncio.run(main())
