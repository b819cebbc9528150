"""The words and numbers of the Progress section and of the top bar's best value, pure (orgd's
`ProgressReport` in, text out): the score's figures (`render_figures`), the leaderboard by
agent (`render_leaderboard`), the top bar's `best val_bpb 3.7235 (−0.743, 74σ)` (`best_line`)
and the curve's step line (`steps`). The figures mean what `orgtui/judge/progress.py` says."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from orgtui.config.durations import readable as duration
from orgtui.judge.progress import SHARES
from orgtui.protocol.progress import AgentProgress, ProgressReport

MINUS = "\N{MINUS SIGN}"


def signed(value: float, spec: str = ".3g") -> str:
    """`value` with its sign, a true minus sign when negative: +0.743, −0.743, 0."""
    text = format(abs(value), spec)
    if value == 0:
        return text
    return (MINUS if value < 0 else "+") + text


def sigmas(value: float) -> str:
    """A count of σ: 74σ, 2.3σ, −1.5σ (whole from 10 up)."""
    text = format(abs(value), ".0f" if abs(value) >= 10 else ".1f")
    return f"{MINUS if value < 0 else ''}{text}σ"


def value(x: float | None) -> str:
    """A value of the metric, to 5 significant digits; '-' for None."""
    return "-" if x is None else format(x, ".5g")


def best(report: ProgressReport) -> float | None:
    """The best verified value by the horizon: the last point's, or None before the first."""
    return report.points[-1].best if report.points else None


def best_line(report: ProgressReport) -> str:
    """The top bar's `best val_bpb 3.7235 (−0.743, 74σ)`: the best verified value, its change
    from the starting baseline's mean in the metric's units (signed as the metric moved) and
    the improvement in σ units (positive when better, whatever the goal); "" before the
    first promotion."""
    top = best(report)
    if top is None:
        return ""
    out = f"best {report.metric} {value(top)}"
    parts = []
    if report.start.mean is not None:
        parts.append(signed(top - report.start.mean))
    if report.score.improvement_sigma is not None:
        parts.append(sigmas(report.score.improvement_sigma))
    return f"{out} ({', '.join(parts)})" if parts else out


def steps(report: ProgressReport) -> tuple[list[float], list[float]]:
    """The best verified value against time as a step line, (seconds, values): from the
    starting baseline's mean at 0, a step at each point, flat to the horizon. Empty without
    a starting baseline."""
    mean = report.start.mean
    if mean is None:
        return [], []
    xs, ys, level = [0.0], [mean], mean
    for p in report.points:
        xs += [p.t, p.t]
        ys += [level, p.best]
        level = p.best
    end = max(report.horizon, xs[-1])
    xs.append(end)
    ys.append(level)
    return xs, ys


def render_head(report: ProgressReport) -> Text:
    """The section's first lines: the metric, its goal, the horizon and the start."""
    text = Text()
    goal = "lower is better" if report.goal == "minimize" else "higher is better"
    text.append("Best verified ", style="bold")
    text.append(f"{report.metric}", style="bold")
    so_far = f", {duration(report.horizon)} so far" if report.horizon else ""
    text.append(f" ({goal}){so_far}\n", style="dim")
    if report.start.mean is None:
        text.append("  no starting baseline yet: the curve starts at its mean", style="dim")
        return text
    sigma = "" if report.start.sigma is None else f" ± σ {report.start.sigma:.3g}"
    text.append(f"  start {value(report.start.mean)}{sigma}", style="dim")
    text.append(" (the band: the first baseline)", style="dim")
    return text


def render_figures(report: ProgressReport) -> Text:
    """The score: improvement (metric units and σ), auc, time to the first win, device-hours
    per win, verified and screening wins, false discoveries and the compute shares."""
    s, unit = report.score, report.metric
    text = Text()
    text.append("Score\n", style="bold")

    def row(name: str, shown: str | Text, style: str = "") -> None:
        text.append(f"  {name:<18} ")
        if isinstance(shown, str):
            text.append(shown, style=style)
        else:
            text.append_text(shown)
        text.append("\n")

    top = report.points[-1] if report.points else None
    if top is None:
        row("best verified", "none yet: no promotion so far", "dim")
    else:
        shown = Text(value(top.best), "bold green")
        shown.append(f" (promotion {top.promotion}, at {duration(top.t)})", style="dim")
        row("best verified", shown)
    if s.improvement is None or top is None:
        row("improvement", "-")
    else:
        gain = Text(f"{signed(s.improvement)} {unit}", "green" if s.improvement > 0 else "red")
        if s.improvement_sigma is not None:
            gain.append(f" ({sigmas(s.improvement_sigma)})", style="bold")
        row("improvement", gain)
    row("auc", "-" if s.auc is None else f"{signed(s.auc)} {unit} (mean gain)")
    row("first win after", duration(s.time_to_first_win))
    row("device-h per win", "-" if s.device_hours_per_win is None
        else f"{s.device_hours_per_win:.3g}")  # fmt: skip
    row("verified wins", f"{s.verified_wins} of {s.screening_wins} screening wins")
    row("false discoveries", str(s.false_discoveries), "yellow" if s.false_discoveries else "")
    shares = [f"{k} {s.compute_share.get(k, 0.0):.0%}" for k in SHARES]
    row("compute", ", ".join(shares[:2]))
    row("", ", ".join(shares[2:]))
    text.rstrip()
    return text


def render_leaderboard(agents: Sequence[AgentProgress], width: int = 56) -> Text:
    """Each agent's record in orgd's order (most verified wins first): its experiment groups,
    how many were judged better, verified (merged) and false discoveries (rejected by
    verification), and the device-hours of its jobs."""
    text = Text()
    text.append("Leaderboard\n", style="bold")
    if not agents:
        text.append("  no agent has made a group yet", style="dim")
        return text
    name = max(6, min(16, width - 42))
    text.append(f"  {'agent':<{name}} groups better verified false  dev-h\n", style="dim")
    for a in agents:
        text.append(f"  {a.agent[:name]:<{name}} {a.groups:>6} {a.better:>6} ")
        text.append(f"{a.verified_wins:>8}", style="bold green" if a.verified_wins else "")
        text.append(f" {a.false_discoveries:>5}", style="yellow" if a.false_discoveries else "")
        text.append(f" {a.device_hours:>6.2f}\n")
    text.append("  better: judged better in screening; false: rejected by\n", style="dim")
    text.append("  verification; dev-h: device-hours of its jobs", style="dim")
    return text
