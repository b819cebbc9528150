"""`ProgressView`: the side panel's Progress section. The best verified value against time (a
step line from the starting baseline's mean, a step at each promotion that improved the best,
flat to the horizon) over the starting baseline's ±σ band, drawn with textual-plotext; under
it the score's figures and the leaderboard by agent (`scoreboard.py`, the pure part).

The app hands it orgd's `ProgressReport` (`update_progress`, from its status poll: every
second while the section is open, every 5 s otherwise)."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual_plotext import PlotextPlot

from orgtui.protocol.progress import ProgressReport
from orgtui.tui.sidepanel.scoreboard import (
    duration,
    render_figures,
    render_head,
    render_leaderboard,
    steps,
)

LINE = (80, 200, 120)
"""The best verified value: green, as a `better` verdict."""
BAND = (52, 62, 84)
"""The starting baseline's ±σ band: solid and dim, under the line."""
PLOT_HEIGHT = 14


def nice_ticks(low: float, high: float, most: int, least: float = 0.0) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart, at least `least`) from `low` to
    `high`, about `most` of them."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = max(least, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def time_ticks(horizon: float, most: int = 6) -> list[float]:
    """Round times (seconds) from 0 to `horizon`: whole days, hours, minutes or seconds, in the
    largest unit of which the horizon holds two."""
    unit = next((u for u in (86400.0, 3600.0, 60.0) if horizon >= 2 * u), 1.0)
    return [t * unit for t in nice_ticks(0.0, horizon / unit, most, least=1.0)]


def value_range(ys: list[float], mean: float, sigma: float | None) -> tuple[float, float]:
    """The values shown: every value of the curve and the ±σ band, with a margin, and at
    least the mean ± 3σ (so that the band is a band, not the whole plot)."""
    sigma = sigma or 0.0
    low = min([*ys, mean - sigma])
    high = max([*ys, mean + sigma])
    pad = (high - low) * 0.08 or abs(mean) * 0.01 or 1.0
    return min(low - pad, mean - 3 * sigma), max(high + pad, mean + 3 * sigma)


class ProgressPlot(PlotextPlot):
    """The curve: the best verified value against time over the starting ±σ band."""

    DEFAULT_CSS = f"ProgressPlot {{ height: {PLOT_HEIGHT}; width: 1fr; }}"

    def draw(self, report: ProgressReport) -> None:
        """Plot `report` (drawn at the next refresh); nothing without a starting baseline."""
        plt = self.plt
        plt.clear_data()
        xs, ys = steps(report)
        mean, sigma = report.start.mean, report.start.sigma
        if mean is None or not xs:
            self.refresh()
            return
        end = xs[-1] or 1.0
        low, high = value_range(ys, mean, sigma)
        if sigma:
            plt.plot([0.0, end], [mean + sigma] * 2, color=BAND, marker="hd", fillx=mean - sigma)
        plt.plot(xs, ys, color=LINE, marker="hd")
        plt.xlim(0.0, end)
        plt.ylim(low, high)
        xticks = time_ticks(end)
        plt.xticks(xticks, [duration(t) for t in xticks])
        yticks = nice_ticks(low, high, max(2, (self.size.height or PLOT_HEIGHT) // 2))
        plt.yticks(yticks, [format(t, ".4g") for t in yticks])
        self.refresh()


class ProgressView(VerticalScroll):
    """The Progress section: the curve, the score and the leaderboard (focused, the arrows
    scroll)."""

    DEFAULT_CSS = """
    ProgressView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
        & > #progress-head { margin-bottom: 1; }
        & > #progress-figures { margin: 1 0; }
    }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report: ProgressReport | None = None
        self._head = Static("waiting for orgd…", id="progress-head")
        self._plot = ProgressPlot(id="progress-plot")
        self._figures = Static("", id="progress-figures")
        self._board = Static("", id="progress-board")

    def compose(self) -> ComposeResult:
        yield self._head
        yield self._plot
        yield self._figures
        yield self._board

    def on_mount(self) -> None:
        self._plot.display = False

    def update_progress(self, report: ProgressReport) -> None:
        """Draw orgd's latest report (nothing when it is the one shown)."""
        if report == self.report:
            return
        self.report = report
        width = max(30, self.size.width - 2)
        self._head.update(render_head(report))
        self._plot.display = report.start.mean is not None
        self._plot.draw(report)
        self._figures.update(render_figures(report))
        self._board.update(render_leaderboard(report.agents, width))
