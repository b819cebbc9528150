"""Checking a job submission against the org and recording it: the agent, the command, the
budget, the devices it asks for (each field's type and range were checked when the request
was decoded); then the worktree's snapshot and the ledger row. Bad input is a
RequestError (the CLI exits 2) and records nothing; a snapshot that fails (git could not
read the worktree) is recorded as a failed job, and said."""

from __future__ import annotations

import asyncio
import logging
import random
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from orgtui.config.durations import format_duration, parse_duration
from orgtui.daemon.train import train_command
from orgtui.enums import JobState
from orgtui.protocol.jobs import JobSubmit
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, RequestError
from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import run_git
from orgtui.workspace.snapshot import snapshot

if TYPE_CHECKING:
    from orgtui.daemon.agent import Agent
    from orgtui.daemon.orgd import Orgd
    from orgtui.ledger.rows import JobRow

log = logging.getLogger("orgd.submit")


def _bad(message: str) -> RequestError:
    return RequestError(message, BAD_REQUEST)


def which_agent(orgd: Orgd, name: str | None, cwd: str | None) -> Agent:
    """The agent named, or the one whose worktree holds `cwd`."""
    if name:
        agent = orgd.agent(name)
        if agent is None:
            names = ", ".join(orgd.agents) or "none"
            raise RequestError(f"no agent named {name!r} (agents: {names})", NOT_FOUND)
        return agent
    if cwd:
        here = Path(cwd).resolve()
        for agent in orgd.agents.values():
            if here == agent.worktree or agent.worktree in here.parents:
                return agent
    raise _bad(
        "which agent's job is it? run `orgtui job submit` in an agent's pane or worktree, "
        "or name one with --agent"
    )


def budget(text: str | None, default: float, most: float) -> float:
    """A time budget in seconds from "90s", "5m", a number of seconds, or the default."""
    if text is None or text == "":
        return default
    try:
        seconds = float(text) if text.replace(".", "", 1).isdigit() else parse_duration(text)
    except ValueError as e:
        raise _bad(f"--time: {e}") from None
    if seconds <= 0:
        raise _bad(f"--time {text!r}: a budget must be more than 0")
    if seconds > most:
        raise _bad(f"--time {text!r} is more than the org's max_time ({format_duration(most)})")
    return seconds


def command(
    orgd: Orgd, argv: list[str] | None, time: float, flops: float | None, seed: int
) -> list[str]:
    """The job's argv: as given, or the org's `research.train` with its fields filled."""
    if argv:
        return argv
    return train_command(orgd.cfg, time, flops, seed)


async def submit(orgd: Orgd, req: JobSubmit) -> JobRow:
    """Check, snapshot and queue a job; its row."""
    jobs, sched = orgd.jobs, orgd.cfg.scheduler
    agent = which_agent(orgd, req.agent, req.cwd)
    time = budget(req.time, sched.time_budget, sched.max_time)
    gpus = agent.spec.gpus if req.gpus is None else req.gpus
    if gpus < 1:  # the agent's own `gpus` (the request's is checked when decoded)
        raise _bad(f"--gpus {gpus}: at least 1 ({agent.spec.name}'s gpus in the org file)")
    if gpus > len(jobs.devices):
        raise _bad(f"--gpus {gpus}: the org has {len(jobs.devices)} devices ({jobs.devices_from})")
    if req.baseline is not None and jobs.ledger.get(req.baseline) is None:
        raise RequestError(f"--baseline {req.baseline}: no such job", NOT_FOUND)
    seed = random.randrange(2**31) if req.seed is None else req.seed
    argv = command(orgd, req.command, time, req.flops, seed)
    name = (req.name or shlex.join(argv))[:200]
    job = jobs.ledger.add(
        agent=agent.spec.name, name=name, kind=req.kind, baseline_id=req.baseline, gpus=gpus,
        priority=req.priority, branch=agent.branch, reproducible=not req.in_place, seed=seed,
        budget_time=time, budget_flops=req.flops, command=argv, workdir=str(agent.worktree),
        description=req.description,
    )  # fmt: skip
    jobs.submitting.add(job)
    try:
        if req.in_place:
            head = await asyncio.to_thread(run_git, agent.worktree, ["rev-parse", "HEAD"])
            commit = head.stdout.strip() if head.ok else ""
        else:
            commit = await asyncio.to_thread(
                snapshot, agent.worktree, f"refs/orgtui/jobs/{job}",
                f"orgtui job {job}: {name}", agent.spec.name,
            )  # fmt: skip
        jobs.ledger.update(job, commit=commit)
    except WorkspaceError as e:
        jobs.ledger.update(job, str(e), state=JobState.FAILED, reason=f"no snapshot: {e}")
        raise RequestError(
            f"job {job}: no snapshot of {agent.worktree}: {e}", BAD_REQUEST
        ) from None
    finally:
        jobs.submitting.discard(job)
    await jobs.dispatch()
    row = jobs.ledger.get(job)
    assert row is not None
    return row
