"""The report's and eval's PNG plots, drawn with matplotlib's object API on its Agg canvas:
no display, no pyplot and its global state, so a plot can be drawn anywhere (over SSH, in a
thread, in a test).

- `progress_plot`: the best promoted value over time (a step line from the starting
  baseline's mean), the starting baseline's ±σ band, every screening result as a point
  coloured by its verdict, and the promotions marked (a star promoted, a cross rejected).
- `agents_plot`: per agent, its experiment groups stacked by verdict (its verified wins and
  false discoveries written beside them) and its device-hours.
- `curves_plot`: eval's curves, the improvement of the best promoted value over time of every
  run, one colour per org (a run cut short dashed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from orgtui.judge.progress import Point, improvement
from orgtui.report.data import VERDICTS, Report
from orgtui.report.fmt import time_unit

COLORS = {"better": "#2ca02c", "worse": "#d62728", "within_noise": "#8c8c8c",
          "more_compute": "#ff9f1c", "invalid": "#b83dba", "pending": "#c7c7c7"}  # fmt: skip
"""Each verdict's colour (as `orgtui results` colours them: green, red, grey, yellow,
magenta, light grey)."""
ORG_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
              "#e377c2")  # fmt: skip
DPI = 100


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#666666")


def progress_plot(report: Report, path: Path) -> None:
    """The progress curve with the screening results and the promotions, as a PNG."""
    p = report.progress
    fig = Figure(figsize=(9.0, 5.0))
    ax = fig.add_subplot()
    times = [s.t for s in report.screenings] + [m.t for m in report.marks]
    end = max([p.horizon, *times]) or 1.0
    scale, unit = time_unit(end)
    if p.start_mean is not None:
        mean = p.start_mean
        if p.sigma:
            ax.axhspan(mean - p.sigma, mean + p.sigma, color="#1f77b4", alpha=0.13, lw=0,
                       label="starting baseline ± σ")  # fmt: skip
        xs = [0.0, *(pt.t for pt in p.points), p.horizon]
        ys = [mean, *(pt.best for pt in p.points)]
        ax.step([x / scale for x in xs], [*ys, ys[-1]], where="post", color="black", lw=2,
                label="best promoted value")  # fmt: skip
    for verdict in VERDICTS:
        shown = [s for s in report.screenings if s.verdict == verdict]
        if shown:
            ax.scatter([s.t / scale for s in shown], [s.mean for s in shown], s=28,
                       color=COLORS[verdict], edgecolors="white", linewidths=0.5, zorder=3,
                       label=verdict.replace("_", " "))  # fmt: skip
    for state, marker, color, size in (("promoted", "*", "#ffd000", 260),
                                       ("rejected", "X", "#d62728", 110)):  # fmt: skip
        at = [(m.t / scale, m.value) for m in report.marks
              if m.state == state and m.value is not None]  # fmt: skip
        if at:
            ax.scatter([t for t, _ in at], [v for _, v in at],
                       marker=marker, s=size, color=color, edgecolors="black", linewidths=0.8,
                       zorder=4, label=f"promotion {state}")  # fmt: skip
    if p.start_mean is None and not report.screenings:
        _empty(ax, "no results yet")
    ax.set_xlim(0, end / scale * 1.02)
    ax.set_xlabel(f"time since the org started ({unit})")
    better = "lower" if report.goal == "minimize" else "higher"
    ax.set_ylabel(f"{report.metric} ({better} is better)")
    ax.set_title(f"org {report.org}: verified progress")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="best")
    _save(fig, path)


def agents_plot(report: Report, path: Path) -> None:
    """Each agent's groups by verdict and its device-hours, as a PNG."""
    agents = report.agents
    fig = Figure(figsize=(10.0, max(2.6, 0.5 * len(agents) + 1.6)))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    names = [a.agent for a in agents]
    rows = list(range(len(agents)))
    base = [0.0] * len(agents)
    for verdict in VERDICTS:
        counts = [float(a.verdicts.get(verdict, 0)) for a in agents]
        if any(counts):
            left.barh(rows, counts, left=base, color=COLORS[verdict],
                      label=verdict.replace("_", " "))  # fmt: skip
            base = [b + c for b, c in zip(base, counts, strict=True)]
    for row, (a, total) in enumerate(zip(agents, base, strict=True)):
        if a.verified_wins or a.false_discoveries:
            left.text(total, row, f"  {a.verified_wins} verified, {a.false_discoveries} false",
                      va="center", fontsize="small")  # fmt: skip
    right.barh(rows, [a.device_hours for a in agents], color="#4c72b0")
    for ax in (left, right):
        ax.set_yticks(rows, names)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    right.set_yticks(rows, [""] * len(rows))
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlabel("experiment groups, by verdict")
    right.set_xlabel("device-hours")
    left.set_title("groups and verdicts")
    right.set_title("compute")
    if not agents:
        _empty(left, "no groups yet")
    if left.get_legend_handles_labels()[0]:
        left.legend(fontsize="small", loc="lower right")
    if base and max(base) > 0:
        left.set_xlim(0, max(base) * 1.45)
    _save(fig, path)


@dataclass(frozen=True, slots=True)
class Curve:
    """One eval run's curve: its org's label, the points of its best promoted value, its
    starting mean and goal, and whether it ran to the end."""

    label: str
    points: Sequence[Point]
    start_mean: float | None
    goal: str
    horizon: float
    completed: bool


def curves_plot(curves: Sequence[Curve], metric: str, path: Path) -> None:
    """Every run's improvement over its starting baseline against time, one colour per org."""
    fig = Figure(figsize=(9.0, 5.0))
    ax = fig.add_subplot()
    end = max((c.horizon for c in curves), default=0.0) or 1.0
    scale, unit = time_unit(end)
    colors: dict[str, str] = {}
    for c in curves:
        color = colors.setdefault(c.label, ORG_COLORS[len(colors) % len(ORG_COLORS)])
        label = None if c.label in _seen(ax) else c.label
        if c.start_mean is None:
            continue
        gains = [improvement(c.start_mean, p.best, c.goal) for p in c.points]
        xs = [0.0, *(p.t for p in c.points), c.horizon]
        ys = [0.0, *gains, gains[-1] if gains else 0.0]
        ax.step([x / scale for x in xs], ys, where="post", color=color, lw=1.8, alpha=0.85,
                ls="-" if c.completed else "--", label=label)  # fmt: skip
    if not ax.get_legend_handles_labels()[0]:
        _empty(ax, "no run reached its starting baseline")
    else:
        ax.legend(fontsize="small", loc="upper left")
    ax.set_xlim(0, end / scale)
    ax.axhline(0.0, color="black", lw=0.6, zorder=0.5)
    ax.set_xlabel(f"time since the org started ({unit})")
    ax.set_ylabel(f"improvement in {metric} (higher is better)")
    ax.set_title("verified progress of each run (dashed: cut short)")
    ax.grid(alpha=0.3)
    _save(fig, path)


def _seen(ax: Axes) -> set[str]:
    """The labels already in the axes' legend."""
    return set(ax.get_legend_handles_labels()[1])
