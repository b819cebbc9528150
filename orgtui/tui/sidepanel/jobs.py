"""`JobsView`: the org's devices and jobs. Each device with its utilization and memory as
sparklines (the last minute of orgd's samples) and the job holding it; the queue; running
jobs with an elapsed/budget bar; the latest finished jobs with their outcome and metric.

The app hands it what orgd said (`update_jobs(scheduler, jobs, metric)`, from its status poll);
`render_jobs` is the pure part, tested on its own.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from rich.text import Text
from textual.widgets import Static

from orgtui.enums import JobState, Outcome
from orgtui.protocol.jobs import Job
from orgtui.protocol.status import DeviceStatus, SchedulerStatus

BLOCKS = " ▁▂▃▄▅▆▇█"
HISTORY = 60
OUTCOME_STYLES: dict[str, str] = {Outcome.OK: "green", Outcome.FAILED: "red", Outcome.TIMEOUT: "yellow",
                  Outcome.CANCELLED: "grey50", Outcome.LOST: "magenta"}  # fmt: skip


def sparkline(values: Iterable[float | None], width: int) -> str:
    """Percentages (0-100) as block characters, the latest on the right; n/a as a space."""
    values = list(values)[-width:]
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(BLOCKS[min(8, max(1 if v > 0 else 0, round(v / 100 * 8)))])
    return "".join(out).rjust(width)


def bar(fraction: float, width: int) -> str:
    full = min(width, max(0, round(fraction * width)))
    return "█" * full + "░" * (width - full)


def _na(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def render_jobs(
    devices: Sequence[DeviceStatus],
    history: Mapping[str, tuple[Sequence[float | None], Sequence[float | None]]],
    jobs: Sequence[Job],
    metric: str,
    now: float,
    width: int = 56,
    sharing: str = "",
    finished: int = 8,
) -> Text:
    """The `devices`, with each one's utilization and memory `history` (percentages, by
    device id), and `jobs` (in id order): the queue, the running, the latest `finished` with
    their `metric`, as of `now`; `sharing`: how agents share the devices, or ""."""
    text = Text()
    text.append("Devices\n", style="bold")
    if sharing:
        text.append(f"  {sharing}\n", style="yellow")
    spark = max(8, width - 34)
    for d in devices:
        held = f"job {d.job}" if d.job else "free"
        name = d.id + (" LOST" if d.lost else "")
        text.append(f"  {name:6}", style="red" if d.lost else "bold")
        text.append(f" {d.name[:20]:20} {held}\n", style="dim")
        if d.kind == "gpu":
            util, mem = history.get(d.id, ((), ()))
            used, total = d.memory_used_mb, d.memory_total_mb
            text.append(f"    util {sparkline(util, spark)} {_na(d.utilization, '.0f')}%\n")
            mem_text = (
                "n/a" if used is None or not total else f"{used / 1024:.0f}/{total / 1024:.0f}G"
            )
            text.append(f"    mem  {sparkline(mem, spark)} {mem_text}\n")
            text.append(f"    {_na(d.temperature, '.0f')}°C  {_na(d.power_w, '.0f')} W\n",
                        style="dim")  # fmt: skip
        else:
            text.append(f"    CPU slot, {len(d.cores)} cores\n", style="dim")
    queued = [j for j in jobs if j.state == JobState.QUEUED]
    running = [j for j in jobs if j.state == JobState.RUNNING]
    ended = [j for j in jobs if j.state.ended][-finished:]
    text.append(f"\nQueue ({len(queued)})\n", style="bold")
    for j in queued[:10]:
        text.append(f"  {j.id:>5} {j.agent:10} {j.name[: width - 20]}\n")
    text.append(f"\nRunning ({len(running)})\n", style="bold")
    for j in running:
        elapsed = now - (j.started_at or now)
        budget = j.budget.time or 1
        text.append(f"  {j.id:>5} {j.agent:10} {j.device:6} ")
        text.append(bar(elapsed / budget, 12), style="cyan" if elapsed <= budget else "red")
        text.append(f" {elapsed:.0f}/{budget:.0f}s\n")
    text.append("\nFinished\n", style="bold")
    for j in reversed(ended):
        value = j.metrics.get(metric)
        shown = f"{metric} {value:#.4g}" if value is not None else ""
        text.append(f"  {j.id:>5} {j.agent:10} ")
        text.append(f"{j.state:9}", style=OUTCOME_STYLES.get(j.state, ""))
        text.append(f" {shown}\n")
    return text


class JobsView(Static, can_focus=True):
    """Devices and jobs, drawn again at each of orgd's status (focused, the arrows scroll)."""

    DEFAULT_CSS = "JobsView { height: 1fr; padding: 0 1; overflow-y: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__("waiting for orgd…", id=id)
        self.history: dict[str, tuple[deque[float | None], deque[float | None]]] = {}
        self.jobs: list[Job] = []

    def update_jobs(self, scheduler: SchedulerStatus, jobs: list[Job], metric: str) -> None:
        self.jobs = jobs
        for d in scheduler.devices:
            util, mem = self.history.setdefault(
                d.id, (deque(maxlen=HISTORY), deque(maxlen=HISTORY))
            )
            util.append(d.utilization)
            used, total = d.memory_used_mb, d.memory_total_mb
            mem.append(None if used is None or not total else 100 * used / total)
        self.update(
            render_jobs(scheduler.devices, self.history, jobs, metric, time.time(),
                        width=max(30, self.size.width - 2), sharing=scheduler.sharing)
        )  # fmt: skip
