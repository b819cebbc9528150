"""The private Textual names orgtui relies on, checked on a running app: those behind
`orgtui/tui/textual_private.py`, and `App._notifications`, which the side panel's tests read.
A Textual version without one of them, or with one of another shape, fails here with the
name and the installed version."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from orgtui.tui.textual_private import (
    app_started_at,
    draw_widgets_now,
    layout_pending,
    updates_batched,
)

TEXTUAL = version("textual")


class Shapes:
    """What is wrong with the names looked at so far."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, owner: object, name: str, shape: str, ok: Callable[[Any], bool]) -> None:
        kind = "App" if isinstance(owner, App) else "Screen" if isinstance(owner, Screen) else ""
        where = f"{kind or type(owner).__name__}.{name}"
        if not hasattr(owner, name):
            self.problems.append(f"{where} is gone (wanted {shape})")
            return
        value = getattr(owner, name)
        try:
            fits = ok(value)
        except Exception as e:  # a shape so different that looking at it fails
            fits = False
            shape = f"{shape}; looking at it raised {e!r}"
        if not fits:
            self.problems.append(f"{where} is {value!r}, not {shape}")

    def expect(self, what: str, holds: bool) -> None:
        if not holds:
            self.problems.append(what)

    def assert_none(self) -> None:
        assert not self.problems, (
            f"Textual {TEXTUAL} changed private names orgtui relies on "
            f"(see orgtui/tui/textual_private.py): " + "; ".join(self.problems)
        )


class OneWidget(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("before", id="text")


def test_the_private_names_have_the_shapes_used() -> None:
    shapes = Shapes()

    async def main() -> None:
        created = time.perf_counter()
        app = OneWidget()
        async with app.run_test(size=(40, 5)) as pilot:
            await pilot.pause()
            screen = app.screen
            shapes.check(app, "_start_time", "a perf_counter() time", lambda t: t >= created)
            shapes.check(app, "_batch_count", "an int", lambda n: isinstance(n, int))
            shapes.check(screen, "_layout_required", "a bool", lambda b: isinstance(b, bool))
            shapes.check(screen, "_dirty_widgets", "a set", lambda s: isinstance(s, set))
            shapes.check(
                screen,
                "_compositor",
                "a compositor with update_widgets()",
                lambda c: callable(c.update_widgets),
            )
            shapes.check(screen, "_compositor_refresh", "a method", callable)
            shapes.check(app, "_notifications", "an iterable", lambda n: iter(n) is not None)
            shapes.check(app, "_driver", "a driver with write()", lambda d: callable(d.write))
            shapes.assert_none()

            # The functions over them answer as the cockpit reads them.
            shapes.expect("app_started_at is not a time", created <= app_started_at(app))
            shapes.expect("updates_batched outside a batch", not updates_batched(app))
            with app.batch_update():
                shapes.expect("not updates_batched inside a batch", updates_batched(app))
            shapes.expect("layout_pending with nothing changed", not layout_pending(screen))
            widget = app.query_one("#text", Static)
            widget.update("after", layout=False)
            await pilot.pause(0)
            draw_widgets_now(screen, widget)
            shapes.expect("widgets left waiting after a draw", not screen._dirty_widgets)
            app.notify("a notification")
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            shapes.expect(f"App._notifications holds {messages!r}", messages == ["a notification"])
            shapes.assert_none()

    asyncio.run(main())
