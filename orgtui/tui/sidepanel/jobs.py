"""`JobsView`: the org's devices, jobs and verdicts. Each device with its utilization and
memory as sparklines (the last minute of orgd's samples; a CPU slot's are its job's
processes' share of its cores and their resident memory) and the job holding it; the queue;
running jobs with an elapsed/budget bar; under a Slurm job's queued or running row, Slurm's
job id and state, its node and partition, or, for a job not in Slurm yet, why (`slurm —
waiting for a slot (max_jobs 4)`, `slurm — submitting`); the latest groups of seeds with
their verdicts (agent, seeds, the verdict coloured as in the panes' titles, Δ and Δ/σ, the
description, and why when it is invalid, more compute or pending); the latest finished jobs
with their group, outcome and metric.

The app hands it what orgd said (`update_jobs(scheduler, jobs, metric, groups)`, from its
status poll); `render_jobs` is the pure part, tested on its own.
"""

from __future__ import annotations

import textwrap
import time
from collections import deque
from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.widgets import Static

from orgtui.enums import JobState, Outcome
from orgtui.protocol.groups import Group
from orgtui.protocol.jobs import Job
from orgtui.protocol.status import ClusterJobStatus, DeviceStatus, SchedulerStatus
from orgtui.tui.sidepanel.devices import render_devices
from orgtui.tui.verdicts import label

HISTORY = 60
OUTCOME_STYLES: dict[str, str] = {Outcome.OK: "green", Outcome.FAILED: "red",
                                  Outcome.TIMEOUT: "yellow", Outcome.CANCELLED: "grey50",
                                  Outcome.LOST: "magenta"}  # fmt: skip


def bar(fraction: float, width: int) -> str:
    full = min(width, max(0, round(fraction * width)))
    return "█" * full + "░" * (width - full)


def _cut(line: str, room: int) -> str:
    return line if len(line) <= room else line[: room - 1] + "…"


def _wrap(line: str, room: int, most: int) -> list[str]:
    """`line` wrapped to `room` columns, at most `most` lines (the last cut where too long)."""
    lines = textwrap.wrap(line, room) or [""]
    if len(lines) > most:
        lines = [*lines[: most - 1], _cut(" ".join(lines[most - 1 :]), room)]
    return lines


def _slurm(job: Job, room: int, waiting: Mapping[int, str]) -> str:
    """A Slurm job's line under its row: Slurm's id and state, its node (none while it
    waits) and partition, or why it is not in Slurm yet (`waiting`, by job: orgd's
    `scheduler.cluster`); "" for a local job."""
    s = job.slurm
    if s is None:
        return _cut(f"slurm — {waiting[job.id]}", room) if waiting.get(job.id) else ""
    where = f" on {s.node}" if s.node else ""
    partition = f" ({s.partition})" if s.partition else ""
    return _cut(f"slurm {s.job or '(submitting)'} {s.state or '-'}{where}{partition}", room)


def _held(job: Job) -> str:
    """What a running job holds, for its row: for a Slurm job its GPUs without the node
    (the line under it names the node), several as a count."""
    if job.slurm is None:
        return job.device
    gpus = [d.split(":", 1)[1] for d in job.device.split(",") if ":" in d]
    if len(gpus) > 1:
        return f"{len(gpus)} GPUs"
    return gpus[0] if gpus else "cpu"


def _seeds(group: Group, jobs: Sequence[Job]) -> str:
    """`3 seeds vs g1`, and how many still run or wait, as far as `jobs` tell."""
    n = len(group.jobs)
    out = f"{n} seed{'s' if n != 1 else ''}"
    out += "" if group.reference is None else f" vs g{group.reference}"
    if group.state == "ended":
        return out
    states = [j.state for j in jobs if j.group == group.id]
    running = states.count(JobState.RUNNING)
    queued = states.count(JobState.QUEUED)
    waiting = [f"{c} {w}" for c, w in ((running, "running"), (queued, "queued")) if c]
    return f"{out}, {', '.join(waiting) if waiting else group.state}"


def _mean(group: Group, jobs: Sequence[Job], metric: str) -> float | None:
    """The mean of `metric` over the group's jobs (among `jobs`) that ended ok."""
    values = [
        j.metrics[metric]
        for j in jobs
        if j.group == group.id and j.state == JobState.OK and metric in j.metrics
    ]
    return sum(values) / len(values) if values else None


def render_verdicts(
    groups: Sequence[Group], jobs: Sequence[Job], metric: str, width: int = 56
) -> Text:
    """The `groups`, newest first: the id, agent and verdict (or, for a kind that is not
    judged, the kind and the mean of its ok seeds' `metric` among `jobs`), Δ and Δ/σ; under
    it the seeds, the reference and the description, and why when nothing was compared."""
    text = Text()
    room = max(10, width - 7)
    for g in sorted(groups, key=lambda g: g.id, reverse=True):
        v = g.verdict
        text.append(f"  {'g' + str(g.id):5} {g.agent[:9]:9} ")
        if v is None:
            text.append(f"{g.kind:14}", style="cyan")
            mean = _mean(g, jobs, metric)
            if mean is not None:
                text.append(f"  {metric} {mean:#.4g}", style="dim")
        else:
            word, style = label(v.verdict)
            text.append(f"{word:14}", style=style)
            if v.delta is not None and v.verdict not in ("invalid", "pending"):
                text.append(f"  Δ {v.delta:+.3g}")
                if v.sigma:
                    text.append(" (")
                    text.append(f"{v.delta / v.sigma:+.1f}σ", style="bold")
                    text.append(")")
        text.append("\n")
        seeds = _seeds(g, jobs)
        description = g.description.strip().splitlines()[0] if g.description.strip() else ""
        about = " · ".join(p for p in (seeds, description) if p)
        text.append(f"       {_cut(about, room)}\n", style="dim")
        # Why nothing was compared (a pending group whose seeds all ended waits on its
        # reference; while its own seeds run, the line above says so).
        why = v is not None and v.reason and v.verdict in ("invalid", "more_compute", "pending")
        if v is not None and why and (v.verdict != "pending" or g.state == "ended"):
            for line in _wrap(v.reason, room, 2):
                text.append(f"       {line}\n", style=label(v.verdict)[1] or "dim")
    return text


def render_jobs(
    devices: Sequence[DeviceStatus],
    history: Mapping[str, tuple[Sequence[float | None], Sequence[float | None]]],
    jobs: Sequence[Job],
    metric: str,
    now: float,
    width: int = 56,
    sharing: str = "",
    finished: int = 8,
    groups: Sequence[Group] = (),
    verdicts: int = 8,
    cluster: Sequence[ClusterJobStatus] = (),
) -> Text:
    """The `devices`, with each one's utilization and memory `history` (percentages, by
    device id), and `jobs` (in id order): the queue, the running, the latest `verdicts` of
    `groups`, the latest `finished` jobs with their `metric`, as of `now`; `sharing`: how
    agents share the devices, or ""; `cluster`: on Slurm, orgd's `scheduler.cluster`."""
    text = render_devices(devices, history, width, sharing)
    waiting = {c.job: c.waiting for c in cluster if c.waiting}
    queued = [j for j in jobs if j.state == JobState.QUEUED]
    running = [j for j in jobs if j.state == JobState.RUNNING]
    ended = [j for j in jobs if j.state.ended][-finished:]
    text.append(f"\nQueue ({len(queued)})\n", style="bold")
    for j in queued[:10]:
        text.append(f"  {j.id:>5} {j.agent:10} {j.name[: width - 20]}\n")
        if slurm := _slurm(j, width - 8, waiting):
            text.append(f"        {slurm}\n", style="dim")
    text.append(f"\nRunning ({len(running)})\n", style="bold")
    for j in running:
        elapsed = now - (j.started_at or now)
        budget = j.budget.time or 1
        text.append(f"  {j.id:>5} {j.agent:10} {_held(j):6} ")
        text.append(bar(elapsed / budget, 12), style="cyan" if elapsed <= budget else "red")
        text.append(f" {elapsed:.0f}/{budget:.0f}s\n")
        if slurm := _slurm(j, width - 8, waiting):
            text.append(f"        {slurm}\n", style="dim")
    latest = sorted(groups, key=lambda g: g.id)[-verdicts:] if verdicts else []
    text.append("\nVerdicts\n", style="bold")
    text.append_text(render_verdicts(latest, jobs, metric, width))
    text.append("\nFinished\n", style="bold")
    for j in reversed(ended):
        value = j.metrics.get(metric)
        shown = f"{metric} {value:#.4g}" if value is not None else ""
        text.append(f"  {j.id:>5} {j.agent[:9]:9} {'g' + str(j.group):5} ")
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
        self.groups: list[Group] = []

    def update_jobs(
        self,
        scheduler: SchedulerStatus,
        jobs: list[Job],
        metric: str,
        groups: list[Group] | None = None,
    ) -> None:
        """Draw orgd's latest: its devices (kept for the sparklines), `jobs`, and `groups`
        (None: not asked this time, the last ones stay)."""
        self.jobs = jobs
        if groups is not None:
            self.groups = groups
        for d in scheduler.devices:
            util, mem = self.history.setdefault(
                d.id, (deque(maxlen=HISTORY), deque(maxlen=HISTORY))
            )
            util.append(d.utilization)
            used, total = d.memory_used_mb, d.memory_total_mb
            mem.append(None if used is None or not total else 100 * used / total)
        self.update(
            render_jobs(scheduler.devices, self.history, jobs, metric, time.time(),
                        width=max(30, self.size.width - 2), sharing=scheduler.sharing,
                        groups=self.groups, cluster=scheduler.cluster)
        )  # fmt: skip
