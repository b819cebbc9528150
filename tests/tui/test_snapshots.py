"""Snapshots of agent panes with known contents: truecolor, a style spanning lines, 256 and
bright colours, attributes, emoji and CJK aligned, titles for busy, idle and crashed agents,
the focused pane's cursor; and of the side panel's Progress section (the best verified curve
over the starting ±σ band, the score, the leaderboard), with two promotions and before any.
Update with `pytest tests/tui/test_snapshots.py --snapshot-update`
after looking at the new SVG."""

from __future__ import annotations

from tests.tui.snapshot_apps import PanesApp, ProgressApp, progress_report


def test_panes_snapshot(snap_compare) -> None:
    assert snap_compare(PanesApp(), terminal_size=(140, 30))


def test_panes_snapshot_small_terminal(snap_compare) -> None:
    assert snap_compare(PanesApp(), terminal_size=(80, 24))


def test_progress_snapshot(snap_compare) -> None:
    assert snap_compare(ProgressApp(progress_report()), terminal_size=(60, 44))


def test_progress_snapshot_before_any_promotion(snap_compare) -> None:
    assert snap_compare(ProgressApp(progress_report(points=False)), terminal_size=(60, 44))
