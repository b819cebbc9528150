"""The Progress section's words and numbers (the score's figures, the leaderboard, the curve's
steps and ticks, the top bar's best value), and the section fed a report in an app."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from textual.app import App, ComposeResult
from textual.widgets import Static

from orgtui.protocol.progress import Point, Start
from orgtui.tui.sidepanel.progress import (
    ProgressPlot,
    ProgressView,
    nice_ticks,
    time_ticks,
    value_range,
)
from orgtui.tui.sidepanel.scoreboard import (
    best_line,
    duration,
    render_figures,
    render_head,
    render_leaderboard,
    sigmas,
    signed,
    steps,
)
from tests.tui.snapshot_apps import progress_report


def test_numbers_as_shown() -> None:
    assert [duration(s) for s in (None, 45, 250, 600, 3600, 12000, 90000)] == [
        "-", "45s", "4m 10s", "10m", "1h", "3h 20m", "1d 1h"]  # fmt: skip
    assert signed(-0.7430001) == "−0.743" and signed(0.39) == "+0.39" and signed(0.0) == "0"
    assert sigmas(74.3) == "74σ" and sigmas(2.34) == "2.3σ" and sigmas(-1.5) == "−1.5σ"


def test_best_line_is_the_best_verified_value_and_its_improvement() -> None:
    assert best_line(progress_report()) == "best val_bpb 3.7235 (−0.743, 74σ)"
    assert best_line(progress_report(points=False)) == ""  # nothing before the first promotion
    up = replace(progress_report(), goal="maximize", metric="accuracy", start=Start(0.5, 0.02),
                 points=[Point(t=60.0, device_hours=0.1, best=0.56, promotion=2)],
                 score=replace(progress_report().score, improvement_sigma=3.0))  # fmt: skip
    assert best_line(up) == "best accuracy 0.56 (+0.06, 3.0σ)"
    no_sigma = replace(up, start=Start(0.5, None), score=replace(up.score, improvement_sigma=None))
    assert best_line(no_sigma) == "best accuracy 0.56 (+0.06)"


def test_the_curve_steps_from_the_start_at_each_point_to_the_horizon() -> None:
    xs, ys = steps(progress_report())
    assert xs == [0.0, 250.0, 250.0, 600.0, 600.0, 900.0]
    assert ys == [4.4665, 4.4665, 4.1, 4.1, 3.7235, 3.7235]
    assert steps(progress_report(points=False)) == ([0.0, 900.0], [4.4665, 4.4665])
    assert steps(replace(progress_report(), start=Start(None, None))) == ([], [])


def test_ticks_and_the_range_shown() -> None:
    assert nice_ticks(3.63, 4.53, 7) == [3.8, 4.0, 4.2, 4.4]
    assert nice_ticks(4.43, 4.50, 4) == [4.45, 4.5]  # at most about 4
    assert time_ticks(900.0) == [0.0, 300.0, 600.0, 900.0]  # whole minutes
    assert time_ticks(96.0) == [0.0, 20.0, 40.0, 60.0, 80.0]  # seconds
    assert time_ticks(3 * 3600.0) == [0.0, 3600.0, 7200.0, 10800.0]
    low, high = value_range([4.4665, 4.4665], 4.4665, 0.01)  # flat: the band and ±3σ
    assert low <= 4.4665 - 0.03 and high >= 4.4665 + 0.03
    low, high = value_range([4.4665, 3.7235], 4.4665, 0.01)
    assert low < 3.7235 and high > 4.4765


def test_figures_and_leaderboard() -> None:
    report = progress_report()
    head = render_head(report).plain
    assert "val_bpb (lower is better), 15m so far" in head and "4.4665 ± σ 0.01" in head
    nothing = replace(report, start=Start(None, None), points=[], horizon=0.0)  # no group yet
    assert render_head(nothing).plain.splitlines() == [
        "Best verified val_bpb (lower is better)",
        "  no starting baseline yet: the curve starts at its mean",
    ]
    figures = render_figures(report).plain.splitlines()
    assert figures == [
        "Score",
        "  best verified      3.7235 (promotion 3, at 10m)",
        "  improvement        +0.743 val_bpb (74σ)",
        "  auc                +0.39 val_bpb (mean gain)",
        "  first win after    4m 10s",
        "  device-h per win   0.045",
        "  verified wins      2 of 3 screening wins",
        "  false discoveries  1",
        "  compute            baselines 25%, verification 35%",
        "                     experiments 40%, other 0%",
    ]
    before = render_figures(progress_report(points=False)).plain
    assert "none yet: no promotion so far" in before and "improvement        -" in before
    board = render_leaderboard(report.agents, 56).plain.splitlines()
    assert board[1].split() == ["agent", "groups", "better", "verified", "false", "dev-h"]
    assert board[2].split() == ["alice", "5", "2", "2", "0", "0.04"]
    assert board[3].split() == ["bob", "4", "1", "0", "1", "0.03"]
    assert all(len(line) <= 56 for line in board)
    assert "no agent" in render_leaderboard([]).plain


class Section(App[None]):
    def compose(self) -> ComposeResult:
        yield ProgressView(id="progress-view")


def test_the_section_shows_a_report() -> None:
    async def main() -> None:
        app = Section()
        async with app.run_test(size=(60, 44)) as pilot:
            view = app.query_one(ProgressView)
            plot = app.query_one(ProgressPlot)
            assert not plot.display  # nothing to plot until orgd answers
            report = progress_report()
            view.update_progress(report)
            await pilot.pause()
            assert plot.display and plot.size.height > 0 and view.report is report
            figures = str(app.query_one("#progress-figures", Static).render())
            assert "3.7235" in figures
            view.update_progress(replace(report, start=Start(None, None), points=[]))
            await pilot.pause()
            assert not plot.display

    asyncio.run(main())
