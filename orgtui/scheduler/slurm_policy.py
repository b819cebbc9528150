"""Which queued jobs go to Slurm now: a pure function of the queue, the agents and the org's
jobs already in Slurm (pending or running there).

On a cluster Slurm places jobs on GPUs; orgtui decides only how many of the org's jobs Slurm
holds, and whose. `dedicated`: each agent has at most one job in Slurm at a time (on its
`gpus` GPUs, wherever Slurm puts it), so no agent waits behind another's queue; the org's own
jobs (baselines) go as they come. `pool`: the fair queue of the local pool (the agent with the
fewest jobs in Slurm first, then priority, then first come), up to `max_jobs` in Slurm at once,
so one agent cannot flood the cluster's queue. Both modes keep to `max_jobs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from orgtui.scheduler.policy import Queued


def to_submit(
    queue: Iterable[Queued],
    agents: Sequence[str],
    mode: str,
    in_slurm: Mapping[str, int],
    max_jobs: int,
) -> list[Queued]:
    """The jobs to submit now, in order. `in_slurm`: the org's jobs in Slurm per agent."""
    held = dict(in_slurm)
    room = max_jobs - sum(held.values())
    waiting = sorted(queue, key=lambda j: (-j.priority, j.queued_at, j.id))
    out: list[Queued] = []
    if mode == "dedicated":
        for job in sorted(waiting, key=lambda j: (j.queued_at, j.id)):
            if room <= 0:
                break
            if job.agent in agents and held.get(job.agent, 0) >= 1:
                continue
            out.append(job)
            held[job.agent] = held.get(job.agent, 0) + 1
            room -= 1
        return out
    while waiting and room > 0:
        job = min(waiting, key=lambda j: (held.get(j.agent, 0), -j.priority, j.queued_at, j.id))
        out.append(job)
        held[job.agent] = held.get(job.agent, 0) + 1
        waiting.remove(job)
        room -= 1
    return out
