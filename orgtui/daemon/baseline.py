"""The org's own jobs: a baseline of the program branch's head, queued by the baseline ritual
as `research.seeds` jobs of one group (each seed's `baseline_id` is the first seed's id)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Protocol

from orgtui.config.model import OrgConfig
from orgtui.daemon import comms
from orgtui.daemon.jobs import Jobs
from orgtui.daemon.train import train_command
from orgtui.enums import JobKind, JobState
from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import run_git

log = logging.getLogger("orgd.baseline")

LIVE_BASELINE = (JobState.QUEUED, JobState.RUNNING, JobState.OK)
"""Seeds in these states give (or will give) a baseline its values."""
BASELINE_TRIES = 3
"""Baselines of one commit queued at most: one whose seeds fail is not retried forever."""


class BaselineHost(Protocol):
    """What queueing a baseline needs of orgd: the org's settings, its comms folder (the
    board is told) and its jobs (the ledger records the seeds; dispatch starts them)."""

    @property
    def cfg(self) -> OrgConfig: ...
    @property
    def comms(self) -> Path: ...
    @property
    def jobs(self) -> Jobs: ...


async def queue_baseline(orgd: BaselineHost, ritual: str) -> list[int]:
    """Queue `research.seeds` runs of `research.train` on the program branch's head as one
    baseline, unless the ledger has one for that commit; the jobs' ids."""
    cfg, ledger = orgd.cfg, orgd.jobs.ledger
    program, repo = cfg.org.program, cfg.org.repo
    head = await asyncio.to_thread(
        run_git, repo, ["rev-parse", "--verify", f"refs/heads/{program}"]
    )
    if not head.ok:
        raise WorkspaceError(f"no program branch {program}: {head.message}")
    commit = head.stdout.strip()
    live, tries = ledger.baseline_seeds(commit, LIVE_BASELINE)
    if live >= min(2, cfg.research.seeds) or tries >= BASELINE_TRIES:
        return []  # it has (or will have) values to compare with, or it was tried enough
    time = cfg.scheduler.time_budget
    ids: list[int] = []
    for seed in range(1, cfg.research.seeds + 1):
        argv = train_command(cfg, time, None, seed)
        job = ledger.add(
            agent=f"@{ritual}", name=f"baseline {commit[:8]} seed {seed}", kind=JobKind.BASELINE,
            baseline_id=ids[0] if ids else None, branch=program, commit=commit, seed=seed,
            budget_time=time, command=argv, workdir=str(repo),
            description=f"baseline of {program} at {commit[:8]}, seed {seed}",
        )  # fmt: skip
        if not ids:
            ledger.update(job, baseline_id=job)  # the group is named by its first seed
        ids.append(job)
        await asyncio.to_thread(run_git, repo, ["update-ref", f"refs/orgtui/jobs/{job}", commit])
    log.info("baseline of %s at %s: jobs %s", program, commit[:8], ids)
    await asyncio.to_thread(
        comms.post, orgd.comms, f"orgtui {ritual}", None,
        f"Baseline of `{program}` at {commit[:8]} queued: {len(ids)} seeds, jobs "
        f"{', '.join(map(str, ids))} (baseline id {ids[0]}). Compare experiments with "
        f"`orgtui job submit --kind experiment --baseline {ids[0]}`.",
    )  # fmt: skip
    await orgd.jobs.dispatch()
    return ids
