"""Which queued jobs start now, and on which devices: a pure function of the queue, the
devices, the agents and what runs.

`dedicated`: agent i's jobs run on device i (with more agents than devices, agent i gets
device i mod n: shared round-robin). A job that asks for more than one device takes its own
and the next ones. Jobs of no agent (the org's baselines) take any free devices. `pool`: any free devices; agents with fewer running jobs go first, then a
job's priority (higher first), then first come first served.

In both modes a job starts only when every device it needs is free (not held by a running
job, nor lost), and a device given to one job in a decision is not given to another: nothing
is ever double-booked. A job that can never fit (more devices than there are) is left to
the caller, which refuses it at submit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Queued:
    """A job waiting for devices."""

    id: int | str
    agent: str
    gpus: int = 1
    priority: int = 0
    queued_at: float = 0.0


@dataclass(frozen=True)
class Assignment:
    job: int | str
    devices: tuple[str, ...]


def home(agent: str, agents: Sequence[str], devices: Sequence[str]) -> int:
    """`dedicated`: the index of the agent's own device (round-robin past the last)."""
    return agents.index(agent) % len(devices) if agent in agents else 0


def decide(
    queue: Iterable[Queued],
    devices: Sequence[str],
    agents: Sequence[str],
    mode: str,
    busy: Iterable[str],
    running: dict[str, int] | None = None,
    lost: Iterable[str] = (),
) -> list[Assignment]:
    """The jobs to start now. `devices`: every device id, in order; `busy`: those held by
    running jobs; `running`: running jobs per agent (for `pool`'s fairness); `lost`: devices
    that take no job."""
    free = [d for d in devices if d not in set(busy) | set(lost)]
    if not devices:
        return []
    if mode == "dedicated":
        return _dedicated(list(queue), devices, agents, free)
    return _pool(list(queue), free, dict(running or {}))


def _dedicated(
    queue: list[Queued], devices: Sequence[str], agents: Sequence[str], free: list[str]
) -> list[Assignment]:
    out = []
    for job in sorted(queue, key=lambda j: (j.queued_at, j.id)):
        if job.gpus > len(devices):
            continue
        if job.agent not in agents:  # the org's own jobs (a baseline): any free devices
            want = free[: job.gpus] if len(free) >= job.gpus else [""]
        else:
            start = home(job.agent, agents, devices)
            want = [devices[(start + k) % len(devices)] for k in range(job.gpus)]
        if all(d in free for d in want):
            out.append(Assignment(job.id, tuple(want)))
            for d in want:
                free.remove(d)
    return out


def _pool(queue: list[Queued], free: list[str], running: dict[str, int]) -> list[Assignment]:
    out = []
    waiting = sorted(queue, key=lambda j: (-j.priority, j.queued_at, j.id))
    while waiting and free:
        # The agent with the fewest running jobs goes first; within it, its best job.
        fits = [j for j in waiting if j.gpus <= len(free)]
        if not fits:
            break
        job = min(fits, key=lambda j: (running.get(j.agent, 0), -j.priority, j.queued_at, j.id))
        took, free = free[: job.gpus], free[job.gpus :]
        out.append(Assignment(job.id, tuple(took)))
        running[job.agent] = running.get(job.agent, 0) + 1
        waiting.remove(job)
    return out
