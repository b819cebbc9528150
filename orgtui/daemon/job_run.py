"""One job's run as orgd handles it: the environment it starts with (`job_env`), what orgd
keeps of it while it runs (`Running`, its metrics read from its log as the log grows), how it
ended (`outcome`, from the wrapper's status), the one line its agent is told (`notice`), and
orgd's own lines in its log (`note_in_log`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgtui.daemon.train import exact_number
from orgtui.enums import JobState, Outcome
from orgtui.ledger.rows import JobRow
from orgtui.scheduler.devices import Device
from orgtui.scheduler.metrics import MetricParser


@dataclass
class Running:
    """What orgd keeps of a running job beside its ledger row."""

    agent: str
    devices: tuple[str, ...]
    src: Path | None
    """Its checkout of the job's snapshot (None: it runs in the agent's live worktree)."""
    parser: MetricParser
    offset: int = 0
    """How far its log has been read."""
    watch: asyncio.Task[None] | None = None
    stopping: str = ""
    """`<outcome>:<reason>` that orgd decided (cancelled, lost) before signalling it."""
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def read_metrics(self, log: Path, final: bool = False) -> dict[str, float]:
        """The metrics its log shows so far (`final`: the log is complete), reading only what
        was added since the last call."""
        with contextlib.suppress(OSError), log.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
            self.offset += len(data)
            self.parser.feed(data.decode(errors="replace"))
        return dict(self.parser.close() if final else self.parser.metrics)


def job_env(
    row: JobRow, devices: Sequence[Device], agent_env: Mapping[str, str] | None
) -> dict[str, str]:
    """The environment a job runs in: orgd's, its agent's pane's (`agent_env`, when the
    agent is still in the org), and the job's own variables."""
    env = dict(os.environ)
    if agent_env is not None:
        env.update(agent_env)
    env.update({
        "ORGTUI_JOB": str(row.id),
        "ORGTUI_TIME_BUDGET": exact_number(row.budget_time),
        "ORGTUI_SEED": str(row.seed),
        "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
        "CUDA_VISIBLE_DEVICES": ",".join(d.uuid or "" for d in devices if d.kind == "gpu"),
    })  # fmt: skip
    if row.budget_flops is not None:
        env["ORGTUI_FLOPS_BUDGET"] = exact_number(row.budget_flops)
    if devices[0].kind == "cpu":
        env["OMP_NUM_THREADS"] = str(len(devices[0].cores) or 1)
    return env


def outcome(
    status: dict[str, Any] | None, stopping: str, reason: str, budget: float, gone: str = ""
) -> tuple[Outcome, int | None, str]:
    """(outcome, exit code, why) of an ended job, from its wrapper's status (None: it left
    none, and `gone` says what orgd found and did then), the outcome orgd decided before
    stopping it, and `reason` (it could not start)."""
    code = None if status is None else status.get("exit_code")
    if stopping:
        state, _, why = stopping.partition(":")
        return Outcome(state), code, why
    if reason:
        return Outcome.FAILED, code, reason
    if status is None:
        return Outcome.LOST, None, gone or "its wrapper is gone and left no status"
    if status.get("timed_out"):
        return Outcome.TIMEOUT, code, f"over its time budget ({budget:g}s + grace)"
    if status.get("error"):
        return Outcome.FAILED, code, f"command did not start: {status['error']}"
    if code == 0:
        return Outcome.OK, 0, "exit 0"
    if status.get("signal"):
        return Outcome.FAILED, None, f"killed by signal {status['signal']}"
    return Outcome.FAILED, code, f"exit {code}"


def note_in_log(log: Path, text: str) -> None:
    """Add orgd's `text` to a job's log (0600), if the disk takes it."""
    with contextlib.suppress(OSError):
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def notice(job: JobRow, metric: str) -> str:
    """The one line an agent is told when its job ends."""
    value = job.metrics.get(metric)
    parts = [f"orgtui: job {job.id} {job.state}"]
    parts.append(f"{metric} {value:.6g}" if isinstance(value, int | float) else f"no {metric}")
    if job.wall_seconds is not None:
        parts.append(f"{job.wall_seconds:.0f}s on {job.device}")
    if job.state != JobState.OK and job.reason:
        parts.append(job.reason)
    parts.append(f"(orgtui job show {job.id})")
    return " · ".join(parts)
