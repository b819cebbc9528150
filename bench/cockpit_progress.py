"""The cockpit's Progress section: its redraw beside its target (issue 15, "Numbers": the
Progress section redraws in under 50 ms).

    .venv/bin/python bench/cockpit_progress.py [--points 50] [--agents 8] [--redraws 100]

Runs the section (`ProgressView`, 60 columns as in the side panel, 44 rows as in a 160x48
cockpit) in a headless Textual app and hands it --redraws reports as orgd's `progress` answers
them while the section shows (one a second in the cockpit): a realistic org 8 hours in, with
--points promotions that improved the best (val_bpb from 4.47 down) and --agents agents; each
report one second later than the last, so that every one is drawn again whole. Each redraw is:

  - update: `update_progress(report)` (the curve's data handed to plotext, the figures' and
    the leaderboard's text);
  - render: each of the section's widgets rendered over its whole region (`render_lines`, as
    the compositor asks: plotext builds the plot, Textual turns text into strips);

and their sum, the section's redraw, is set beside the target: median, 95th percentile and
the worst, wall and CPU (the CPU moves least on a shared machine). For context, the wall time
from the update until Textual has drawn the screen after it (`call_after_refresh`: layout,
compositing and the wait for the app's next frame, up to 1/60 s, included).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.geometry import Region  # noqa: E402

from orgtui.protocol.progress import (  # noqa: E402
    AgentProgress,
    Point,
    ProgressReport,
    Score,
    Start,
)
from orgtui.tui.sidepanel.progress import ProgressView  # noqa: E402

TARGET_MS = 50.0
"""The issue's target for one redraw of the Progress section."""
HOURS = 8.0


def report(points: int, agents: int, later: float = 0.0) -> ProgressReport:
    """An org `HOURS` (+ `later` seconds) in: its start 4.4665 ± 0.01, `points` promotions
    spread over its time, each improving the best a little less, and `agents` records."""
    horizon = HOURS * 3600 + later
    start, best, found = 4.4665, 4.4665, []
    for i in range(points):
        best -= 0.03 * math.exp(-i / 20)
        found.append(Point(t=(i + 1) * horizon / (points + 1), device_hours=0.2 * (i + 1),
                           best=round(best, 5), promotion=2 * i + 1))  # fmt: skip
    gain = start - best
    score = Score(auc=gain / 2, improvement=gain, improvement_sigma=gain / 0.01,
                  time_to_first_win=found[0].t if found else None,
                  device_hours_per_win=0.2 if found else None, false_discoveries=points // 3,
                  screening_wins=points + points // 3, verified_wins=points,
                  compute_share={"baselines": 0.2, "verification": 0.3, "experiments": 0.5,
                                 "other": 0.0})  # fmt: skip
    records = [AgentProgress(f"agent-{i}", groups=40 + i, better=6 + i % 3,
                             verified_wins=points // max(1, agents) + (i == 0),
                             false_discoveries=i % 3, device_hours=1.5 + 0.1 * i)
               for i in range(agents)]  # fmt: skip
    return ProgressReport(metric="val_bpb", goal="minimize", start=Start(start, 0.01),
                          points=found, score=score, agents=records, horizon=horizon)  # fmt: skip


class Section(App[None]):
    CSS = "ProgressView { width: 60; border-left: vkey $panel-lighten-2; }"

    def compose(self) -> ComposeResult:
        yield ProgressView(id="progress-view")


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """Median, 95th percentile and the worst."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], ordered[-1]


async def measure(points: int, agents: int, redraws: int) -> dict[str, list[float]]:
    """Milliseconds of each redraw's parts, wall and CPU."""
    times: dict[str, list[float]] = {k: [] for k in ("update", "render", "redraw", "cpu",
                                                     "screen")}  # fmt: skip
    app = Section()
    async with app.run_test(size=(60, 44)) as pilot:
        view = app.query_one(ProgressView)
        view.update_progress(report(points, agents))  # the first: sizes and the theme set
        await pilot.pause()
        for i in range(1, redraws + 1):
            shown = report(points, agents, later=float(i))
            wall, cpu = time.perf_counter(), time.process_time()
            view.update_progress(shown)
            updated = time.perf_counter()
            for widget in view.children:
                widget.render_lines(Region(0, 0, *widget.size))
            done_wall, done_cpu = time.perf_counter(), time.process_time()
            times["update"].append((updated - wall) * 1000)
            times["render"].append((done_wall - updated) * 1000)
            times["redraw"].append((done_wall - wall) * 1000)
            times["cpu"].append((done_cpu - cpu) * 1000)
            # The whole screen after a change, in the app (layout, compositing, next frame).
            drawn = asyncio.Event()
            start = time.perf_counter()
            view.update_progress(report(points, agents, later=i + 0.5))
            view.call_after_refresh(drawn.set)
            await drawn.wait()
            times["screen"].append((time.perf_counter() - start) * 1000)
            await pilot.pause()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--redraws", type=int, default=100)
    args = parser.parse_args()
    times = asyncio.run(measure(args.points, args.agents, args.redraws))
    print(f"Progress section, 60x44, {args.points} points over {HOURS:g} h, {args.agents} "
          f"agents, {args.redraws} redraws (ms: median / p95 / worst)")  # fmt: skip
    rows = (("update (data, text)", "update"), ("render (plot, strips)", "render"),
            ("redraw, wall", "redraw"), ("redraw, CPU", "cpu"),
            ("screen drawn after it, wall", "screen"))  # fmt: skip
    for name, key in rows:
        med, p95, worst = quantiles(times[key])
        target = f"   target < {TARGET_MS:g} ms" if key in ("redraw", "cpu") else ""
        print(f"  {name:<28} {med:7.1f} {p95:7.1f} {worst:7.1f}{target}")
    med = statistics.median(times["redraw"])
    verdict = "meets" if med < TARGET_MS else "MISSES"
    print(f"redraw: median {med:.1f} ms, {verdict} the target (< {TARGET_MS:g} ms)")
    return 0 if med < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
