"""`draw_widgets_now` draws the one widget it is given (the front pane's echo) and leaves the
others waiting for the screen's own update, which still draws them: under a flood those are
every background pane, whose drawing must not sit in front of a key's echo."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Static

from orgtui.tui.textual_private import draw_widgets_now


class TwoWidgets(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("front", id="front")
        yield Static("back", id="back")


def test_only_the_given_widget_is_drawn_now_and_the_rest_later() -> None:
    async def main() -> None:
        app = TwoWidgets()
        async with app.run_test(size=(40, 4)) as pilot:
            await pilot.pause()
            screen = app.screen
            front, back = app.query_one("#front", Static), app.query_one("#back", Static)
            back.update("back 2", layout=False)
            screen._dirty_widgets.add(back)  # waiting for the screen's update, as its message says
            front.update("front 2", layout=False)
            draw_widgets_now(screen, front)
            assert front not in screen._dirty_widgets
            assert back in screen._dirty_widgets, "the background widget was drawn with it"
            assert "front 2" in "".join(s.text for s in screen._compositor.render_strips()[0])
            await pilot.pause()  # the screen's update draws the one left waiting
            assert not screen._dirty_widgets
            shown = [line.text for line in screen._compositor.render_strips()]
            assert shown[0].startswith("front 2") and shown[1].startswith("back 2")

    asyncio.run(main())
