"""Snapshots of agent panes with known contents: truecolor, a style spanning lines, 256 and
bright colours, attributes, emoji and CJK aligned, titles for busy, idle and crashed agents,
the focused pane's cursor. Update with `pytest tests/tui/test_snapshots.py --snapshot-update`
after looking at the new SVG."""

from __future__ import annotations

from tests.tui.snapshot_apps import PanesApp


def test_panes_snapshot(snap_compare) -> None:
    assert snap_compare(PanesApp(), terminal_size=(140, 30))


def test_panes_snapshot_small_terminal(snap_compare) -> None:
    assert snap_compare(PanesApp(), terminal_size=(80, 24))
