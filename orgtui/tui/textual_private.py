"""Every private Textual name the cockpit uses, each behind one small function.

Textual (8.2) has no public API for these; each docstring says what the cockpit needs it for
and what is missing. `tests/tui/test_textual_private.py` checks, on a running app, that the
installed Textual still has each name in the shape used here, so that an upgrade that drops
or changes one fails there by name, not somewhere in the cockpit.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget


def app_started_at(app: App[Any]) -> float:
    """When the app was created, on `time.perf_counter()`'s clock (`App._start_time`): the
    cockpit's frames-per-second figures (for bench/cockpit.py) are over the app's uptime.
    Textual sets it for its own "ready in N ms" log and publishes no start time."""
    started: float = app._start_time
    return started


def updates_batched(app: App[Any]) -> bool:
    """Whether the app is inside `batch_update()` (`App._batch_count`), when the screen must
    not be drawn: Textual holds its updates until the batch ends and has no public way to ask
    whether one is open."""
    return bool(app._batch_count)


def layout_pending(screen: Screen[Any]) -> bool:
    """Whether the screen has a layout to do before it can be drawn
    (`Screen._layout_required`): drawing widgets where they were would put them in the wrong
    place. Textual does the layout on the screen's next update and does not say one is due."""
    return bool(screen._layout_required)


def draw_widgets_now(screen: Screen[Any], widget: Widget) -> None:
    """Put `widget`'s changed regions on the terminal now: what the screen's update
    (`Screen._on_timer_update`, textual 8.2) does when no layout is due, with its compositor
    (`Screen._compositor`), the widgets waiting (`Screen._dirty_widgets`) and the write
    (`Screen._compositor_refresh`). Textual draws only on that update, which waits for a
    message to the screen, its idle turn and its timer, and has no public call to draw now.
    The other widgets waiting for that update keep waiting for it: drawn here, under a flood
    (every background pane's rows), they put milliseconds in front of a key's echo."""
    others = screen._dirty_widgets - {widget}
    screen._compositor.update_widgets({widget})
    screen._compositor_refresh()  # (which forgets every widget waiting)
    screen._dirty_widgets |= others


def write_to_terminal(app: App[Any], text: str) -> None:
    """Put `text`, an escape sequence of the cockpit's own (an OSC 9 notification), on the
    terminal as it is, in turn with the app's drawing (`App._driver.write`, which `App.bell`
    uses for its BEL): Textual has no public way to send one. Nothing in a headless app."""
    if not app.is_headless and app._driver is not None:
        app._driver.write(text)
