"""The org's own groups: baselines. Only orgd makes them: the baseline ritual (the program
branch's head, whenever it moves), `orgtui baseline` (a person asks for one now), and a
fresh reference once one has served its `max_comparisons` (`daemon/references.py`).

A baseline is `research.seeds` runs of `research.train` at the org's default budget
(`time_budget`, `flops_budget`), each with a seed orgd draws, as one group of kind
`baseline`."""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from orgtui.config.model import OrgConfig
from orgtui.daemon import comms
from orgtui.daemon.jobs import Jobs
from orgtui.daemon.train import train_command
from orgtui.enums import JobKind, JobState
from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import run_git

if TYPE_CHECKING:
    from orgtui.ledger.rows import GroupRow, JobRow

log = logging.getLogger("orgd.baseline")

LIVE_BASELINE = (JobState.QUEUED, JobState.RUNNING, JobState.OK)
"""Seeds in these states give (or will give) a baseline its values."""
BASELINE_TRIES = 3
"""Baselines of one commit the ritual queues at most: one whose seeds fail is not retried
forever."""


class BaselineHost(Protocol):
    """What queueing a baseline needs of orgd: the org's settings, its comms folder (the
    board is told) and its jobs (the ledger records the seeds; dispatch starts them)."""

    @property
    def cfg(self) -> OrgConfig: ...
    @property
    def comms(self) -> Path: ...
    @property
    def jobs(self) -> Jobs: ...


def draw_seeds(n: int) -> list[int]:
    """`n` different seeds, drawn by orgd (nobody picks a lucky one)."""
    seeds: list[int] = []
    while len(seeds) < n:
        seed = secrets.randbelow(2**31 - 1) + 1
        if seed not in seeds:
            seeds.append(seed)
    return seeds


def rerun_group(
    cfg: OrgConfig, like: GroupRow, run: JobRow, seeds: list[int], commit: str, kind: JobKind,
    agent: str, description: str,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """A group like `like` (its budget, and the command its job `run` ran) of `commit` with
    `seeds`, for `Ledger.add_groups`: orgd's reruns (a promotion's verification and fresh
    reference, an ablation's leave-one-out groups). `research.train` is filled again for each
    seed when `run` ran it; another command is run as it was (the seed reaches it in
    ORGTUI_SEED)."""
    trained = bool(cfg.research.train) and run.seed is not None and run.command == (
        train_command(cfg, run.budget_time, run.budget_flops, run.seed, run.gpus)
    )  # fmt: skip
    jobs = [
        {
            "agent": agent,
            "name": f"{description}, seed {seed}",
            "kind": kind,
            "gpus": run.gpus,
            "branch": run.branch,
            "commit": commit,
            "seed": seed,
            "budget_time": run.budget_time,
            "budget_flops": run.budget_flops,
            "command": train_command(cfg, run.budget_time, run.budget_flops, seed, run.gpus)
            if trained
            else run.command,
            "workdir": str(cfg.org.repo),
            "description": description,
        }  # fmt: skip
        for seed in seeds
    ]
    group = {
        "kind": kind, "agent": agent, "commit": commit, "snapshot": commit, "clean": 1,
        "budget_time": like.budget_time, "budget_flops": like.budget_flops,
        "description": description,
    }  # fmt: skip
    return group, jobs


async def program_head(cfg: OrgConfig) -> str:
    """The program branch's head commit (WorkspaceError if it has none)."""
    head = await asyncio.to_thread(
        run_git, cfg.org.repo, ["rev-parse", "--verify", f"refs/heads/{cfg.org.program}^{{commit}}"]
    )
    if not head.ok:
        raise WorkspaceError(f"no program branch {cfg.org.program}: {head.message}")
    return head.stdout.strip()


async def queue_group(
    orgd: BaselineHost,
    commit: str,
    who: str,
    *,
    budget_time: float | None = None,
    budget_flops: float | None = None,
    seeds: int | None = None,
    why: str = "",
) -> tuple[int, list[int]]:
    """Queue a baseline of `commit` (a RequestError when research.train cannot be filled);
    (its group, its jobs). The budget is the org's default unless given."""
    cfg, ledger = orgd.cfg, orgd.jobs.ledger
    time = cfg.scheduler.time_budget if budget_time is None else budget_time
    flops = cfg.scheduler.flops_budget if budget_time is None else budget_flops
    drawn = draw_seeds(seeds or cfg.research.seeds)
    argvs = [train_command(cfg, time, flops, seed) for seed in drawn]
    where = cfg.org.program if commit else ""
    described = f"baseline of {where or 'the program'} at {commit[:8]}"
    jobs = [
        {
            "agent": who,
            "name": f"baseline {commit[:8]} seed {seed}",
            "kind": JobKind.BASELINE,
            "branch": where,
            "commit": commit,
            "seed": seed,
            "budget_time": time,
            "budget_flops": flops,
            "command": argv,
            "workdir": str(cfg.org.repo),
            "description": f"{described}, seed {seed}",
        }  # fmt: skip
        for seed, argv in zip(drawn, argvs, strict=True)
    ]
    group = {
        "kind": JobKind.BASELINE, "agent": who, "commit": commit, "snapshot": commit,
        "clean": 1, "budget_time": time, "budget_flops": flops, "description": described,
    }  # fmt: skip
    gid, ids = ledger.add_group(group, jobs)
    for job in ids:
        await asyncio.to_thread(
            run_git, cfg.org.repo, ["update-ref", f"refs/orgtui/jobs/{job}", commit]
        )
    log.info("baseline group %d of %s: jobs %s%s", gid, commit[:8], ids, f" ({why})" if why else "")
    await asyncio.to_thread(
        comms.post, orgd.comms, f"orgtui {who.lstrip('@')}", None,
        f"Baseline of `{where or commit[:8]}` at {commit[:8]} queued{f' ({why})' if why else ''}: "
        f"group {gid}, {len(ids)} seeds (jobs {', '.join(map(str, ids))}). Experiments are "
        "judged against it by themselves: `orgtui job submit --seeds 3`, then read the verdict.",
    )  # fmt: skip
    await orgd.jobs.dispatch()
    return gid, ids


async def queue_baseline(orgd: BaselineHost, ritual: str) -> list[int]:
    """The baseline ritual: queue a baseline of the program branch's head at the org's
    default budget, unless the ledger has one (or tried it enough); the jobs' ids."""
    cfg = orgd.cfg
    commit = await program_head(cfg)
    time, flops = cfg.scheduler.time_budget, cfg.scheduler.flops_budget
    live = tries = 0
    for group, states in orgd.jobs.ledger.baseline_groups(commit):
        same = group.budget_flops == flops if flops is not None else (
            group.budget_flops is None and group.budget_time == time
        )  # fmt: skip
        if same:
            tries += 1
            live = max(live, sum(s in LIVE_BASELINE for s in states))
    if live >= min(2, cfg.research.seeds) or tries >= BASELINE_TRIES:
        return []  # it has (or will have) values to compare with, or it was tried enough
    return (await queue_group(orgd, commit, f"@{ritual}"))[1]
