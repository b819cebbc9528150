"""Checking a job submission and recording it: the agent, the command, the budget, the
devices it asks for; then the worktree's snapshot and the ledger row. Bad input is a
RequestError (the CLI exits 2) and records nothing; a snapshot that fails (git could not
read the worktree) is recorded as a failed job, and said."""

from __future__ import annotations

import asyncio
import logging
import random
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgtui.config.durations import format_duration, parse_duration
from orgtui.enums import JobKind
from orgtui.ledger.store import job_json
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, RequestError
from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import run_git
from orgtui.workspace.snapshot import snapshot

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Agent, Orgd

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


def budget(text: Any, default: float, most: float) -> float:
    """A time budget in seconds from "90s", "5m", a number of seconds, or the default."""
    if text is None or text == "":
        return default
    try:
        seconds = (
            float(text) if str(text).replace(".", "", 1).isdigit() else parse_duration(str(text))
        )
    except ValueError as e:
        raise _bad(f"--time: {e}") from None
    if seconds <= 0:
        raise _bad(f"--time {text!r}: a budget must be more than 0")
    if seconds > most:
        raise _bad(f"--time {text!r} is more than the org's max_time ({format_duration(most)})")
    return seconds


def command(orgd: Orgd, argv: Any, time: float, flops: float | None, seed: int) -> list[str]:
    """The job's argv: as given, or the org's `research.train` with its fields filled."""
    if argv:
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise _bad("'command' must be a list of strings")
        return argv
    train = orgd.cfg.research.train
    if not train:
        raise _bad(
            f"no command given, and {orgd.cfg.file.name} has no [research] train to run: "
            "pass one after `--`, or set research.train"
        )
    fields = {
        "python": shlex.quote(sys.executable),
        "time": f"{time:g}",
        "flops": "" if flops is None else f"{flops:g}",
        "seed": str(seed),
    }
    try:
        return shlex.split(train.format(**fields))
    except (KeyError, IndexError, ValueError) as e:
        raise _bad(f"research.train {train!r}: {e}") from None


async def submit(orgd: Orgd, args: dict[str, Any]) -> dict[str, Any]:
    """Check, snapshot and queue a job; its JSON."""
    jobs, sched = orgd.jobs, orgd.cfg.scheduler
    agent = which_agent(orgd, args.get("agent"), args.get("cwd"))
    time = budget(args.get("time"), sched.time_budget, sched.max_time)
    flops = args.get("flops")
    if flops is not None and (
        isinstance(flops, bool) or not isinstance(flops, int | float) or flops <= 0
    ):
        raise _bad(f"--flops {flops!r}: a budget must be a number more than 0")
    gpus = args.get("gpus")
    gpus = agent.spec.gpus if gpus is None else gpus
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
        raise _bad(f"--gpus {gpus!r}: at least 1")
    if gpus > len(jobs.devices):
        raise _bad(f"--gpus {gpus}: the org has {len(jobs.devices)} devices ({jobs.devices_from})")
    kind = args.get("kind") or "experiment"
    if kind not in list(JobKind):
        raise _bad(f"--kind {kind!r}: one of {', '.join(JobKind)}")
    baseline = args.get("baseline")
    if baseline is not None and (
        not isinstance(baseline, int) or jobs.ledger.get(baseline) is None
    ):
        raise RequestError(f"--baseline {baseline!r}: no such job", NOT_FOUND)
    seed = args.get("seed")
    seed = random.randrange(2**31) if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _bad(f"--seed {seed!r}: an integer")
    argv = command(orgd, args.get("command"), time, flops, seed)
    in_place = bool(args.get("in_place"))
    name = str(args.get("name") or shlex.join(argv))[:200]
    job = jobs.ledger.add(
        agent=agent.spec.name, name=name, kind=kind, baseline_id=baseline, gpus=gpus,
        priority=int(args.get("priority") or 0), branch=agent.branch, reproducible=not in_place,
        seed=seed, budget_time=time, budget_flops=flops, command=argv,
        workdir=str(agent.worktree), description=str(args.get("description") or ""),
    )  # fmt: skip
    jobs.submitting.add(job)
    try:
        if in_place:
            head = await asyncio.to_thread(run_git, agent.worktree, ["rev-parse", "HEAD"])
            commit = head.stdout.strip() if head.ok else ""
        else:
            commit = await asyncio.to_thread(
                snapshot, agent.worktree, f"refs/orgtui/jobs/{job}",
                f"orgtui job {job}: {name}", agent.spec.name,
            )  # fmt: skip
        jobs.ledger.update(job, commit=commit)
    except WorkspaceError as e:
        jobs.ledger.update(job, str(e), state="failed", reason=f"no snapshot: {e}")
        raise RequestError(
            f"job {job}: no snapshot of {agent.worktree}: {e}", BAD_REQUEST
        ) from None
    finally:
        jobs.submitting.discard(job)
    await jobs.dispatch()
    row = jobs.ledger.get(job)
    assert row is not None
    return {**job_json(row), "log": str(jobs.runner.log_path(job))}
