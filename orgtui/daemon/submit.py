"""Checking a job submission against the org and recording it: the agent, the command, the
budget, the devices it asks for (each field's type and range were checked when the request
was decoded); then the worktree's snapshot and the ledger row. Bad input, or a snapshot
that fails (git could not read the worktree), is a RequestError (the CLI exits 2) and
records nothing.

A submit queues a group: `seeds` jobs of one snapshot, command and budget, each with a seed
orgd draws (only kind `other` may name one; only orgd makes baselines). The snapshot comes
first, under a ref of its own (`refs/orgtui/submits/<token>`); the group and its jobs are
then added with its commit in one transaction, and only while its client still waits: a
client that went away (its process is gone) or whose deadline has passed gets no job, so
nobody who gave up and submitted again runs it twice. A client whose answer did not come
learns from the ledger, by its token, whether the job was added (`ledger.store.submitted`).
The snapshot's ref is then renamed `refs/orgtui/jobs/<id>` for each job, and the group is
given its reference (`daemon/references.py`)."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shlex
import time as clock
from pathlib import Path
from typing import TYPE_CHECKING

from orgtui.config.durations import format_duration, parse_duration
from orgtui.config.limits import MAX_SEEDS
from orgtui.daemon.baseline import draw_seeds
from orgtui.daemon.train import train_command
from orgtui.enums import JobKind
from orgtui.ledger.store import WriteError
from orgtui.protocol.jobs import JobSubmit
from orgtui.protocol.messages import BAD_REQUEST, FAILED, NOT_FOUND, RequestError
from orgtui.scheduler import slurm_cluster
from orgtui.scheduler.local import start_time
from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.gitcli import run_git
from orgtui.workspace.snapshot import snapshot

if TYPE_CHECKING:
    from orgtui.daemon.agent import Agent
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer
    from orgtui.ledger.rows import GroupRow, JobRow

log = logging.getLogger("orgd.submit")
ANSWER = 0.5
"""Seconds before the client's deadline by which a job must be added, for the answer to
reach it in time."""


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
    orgd: Orgd, argv: list[str] | None, time: float, flops: float | None, seed: int, gpus: int
) -> list[str]:
    """The job's argv: as given, or the org's `research.train` with its fields filled."""
    if argv:
        return argv
    return train_command(orgd.cfg, time, flops, seed, gpus)


class Waiting:
    """Whether the client of a submit still waits for its answer."""

    def __init__(self, peer: Peer, deadline: float | None) -> None:
        self.pid = peer.pid  # 0: in a pid namespace orgd cannot see, so not watched
        self.since = start_time(peer.pid) if peer.pid > 0 else 0  # None: gone already
        self.deadline = deadline

    def check(self) -> None:
        """RequestError if the job must not be added: its client went away (its process is
        gone) or will have stopped waiting before the answer reaches it."""
        if self.pid > 0 and (self.since is None or start_time(self.pid) != self.since):
            raise RequestError(f"its client (pid {self.pid}) went away: not queued", FAILED)
        if self.deadline is not None and clock.time() > self.deadline - ANSWER:
            raise RequestError("its client's deadline passed: not queued", FAILED)


def _check_kind(orgd: Orgd, req: JobSubmit) -> None:
    """Who may submit what: only orgd makes baselines, and orgd draws an experiment's
    seeds."""
    if req.kind == JobKind.BASELINE:
        raise _bad(
            "--kind baseline: only orgd makes baselines (the baseline ritual makes one of the "
            "program head; a person asks for one now with `orgtui baseline`); submit your "
            "change as an experiment and it is judged against the baseline by itself"
        )
    if req.seed is not None and req.kind != JobKind.OTHER:
        raise _bad(
            f"--seed: orgd draws the seeds of {'an' if req.kind == 'experiment' else 'a'} "
            f"{req.kind} (so nobody picks a lucky one); only --kind other may set one"
        )
    if req.seed is not None and req.seeds > 1:
        raise _bad("--seed names one seed: give it with one job, not --seeds")
    if req.seeds > MAX_SEEDS:
        raise _bad(f"--seeds {req.seeds}: at most {MAX_SEEDS}")
    if req.reference is not None:
        if req.kind not in (JobKind.EXPERIMENT, JobKind.VERIFICATION):
            raise _bad(f"--reference: a {req.kind} is not judged, so it has no reference")
        ref = orgd.jobs.ledger.group(req.reference)
        if ref is None:
            raise RequestError(f"--reference {req.reference}: no such group", NOT_FOUND)
        if ref.kind == JobKind.OTHER:
            raise _bad(f"--reference {req.reference}: group {ref.id} is of kind other, "
                       "not a result to compare with")  # fmt: skip


async def submit(orgd: Orgd, req: JobSubmit, peer: Peer) -> tuple[GroupRow, list[JobRow]]:
    """Check, snapshot and queue a group of jobs (one per seed); the group and its jobs."""
    jobs, sched = orgd.jobs, orgd.cfg.scheduler
    waiting = Waiting(peer, req.deadline)
    agent = which_agent(orgd, req.agent, req.cwd)
    _check_kind(orgd, req)
    time = budget(req.time, sched.time_budget, sched.max_time)
    flops = sched.flops_budget if req.flops is None else req.flops
    gpus = agent.spec.gpus if req.gpus is None else req.gpus
    if gpus < 1:  # the agent's own `gpus` (the request's is checked when decoded)
        raise _bad(f"--gpus {gpus}: at least 1 ({agent.spec.name}'s gpus in the org file)")
    too_many = sched.backend == "slurm" and slurm_cluster.gpus_refusal(gpus, jobs.devices)
    if too_many:
        raise _bad(too_many)
    if gpus > len(jobs.devices):
        raise _bad(f"--gpus {gpus}: the org has {len(jobs.devices)} devices ({jobs.devices_from})")
    if req.token and not re.fullmatch(r"[A-Za-z0-9-]{1,64}", req.token):
        raise _bad("token: at most 64 letters, digits and dashes")
    seeds = [req.seed] if req.seed is not None else draw_seeds(req.seeds)
    argvs = [command(orgd, req.command, time, flops, seed, gpus) for seed in seeds]
    name = (req.name or shlex.join(argvs[0]))[:200]
    try:
        waiting.check()  # before the snapshot too: a client gone already costs no git
    except RequestError as e:
        log.warning("a submit for %s was not queued: %s", agent.spec.name, e)
        raise
    ref = None if req.in_place else f"refs/orgtui/submits/{req.token or secrets.token_hex(8)}"
    head, clean = "", False
    if ref is None:
        found = await asyncio.to_thread(run_git, agent.worktree, ["rev-parse", "HEAD"])
        commit = head = found.stdout.strip() if found.ok else ""
    else:
        try:
            commit = await asyncio.to_thread(
                snapshot, agent.worktree, ref, f"orgtui job: {name}", agent.spec.name
            )
        except WorkspaceError as e:
            raise _bad(f"no snapshot of {agent.worktree}: {e}") from None
        head, clean = await asyncio.to_thread(_place, agent.worktree, commit)
    group = {
        "kind": req.kind, "agent": agent.spec.name, "commit": head, "snapshot": commit,
        "clean": int(clean), "budget_time": time, "budget_flops": flops,
        "description": req.description or name,
    }  # fmt: skip
    rows = [
        {
            "agent": agent.spec.name,
            "name": name,
            "kind": req.kind,
            "gpus": gpus,
            "priority": req.priority,
            "branch": agent.branch,
            "commit": commit,
            "reproducible": not req.in_place,
            "seed": seed,
            "budget_time": time,
            "budget_flops": flops,
            "command": argv,
            "workdir": str(agent.worktree),
            "description": req.description,
            "token": req.token,
        }  # fmt: skip
        for seed, argv in zip(seeds, argvs, strict=True)
    ]
    try:
        gid, ids = jobs.ledger.add_group(group, rows, check=waiting.check)
    except (RequestError, WriteError) as e:
        log.warning("a submit for %s was not queued: %s", agent.spec.name, e)
        if ref is not None:
            await asyncio.to_thread(run_git, agent.worktree, ["update-ref", "-d", ref, commit])
        if isinstance(e, WriteError):
            raise RequestError(f"not queued: {e}", FAILED) from None
        raise
    if ref is not None:
        await asyncio.to_thread(_rename, agent.worktree, ref, ids, commit)
    try:
        await orgd.verdicts.place(gid, req.reference)
    except Exception:  # its reference is picked again when it is judged
        log.exception("group %d: no reference placed", gid)
    await jobs.dispatch()
    placed = jobs.ledger.group(gid)
    assert placed is not None
    return placed, jobs.ledger.group_jobs(gid)


def _place(worktree: Path, snap: str) -> tuple[str, bool]:
    """The branch commit a snapshot was taken on, and whether it had no uncommitted edits
    (the snapshot's tree is its parent's)."""
    found = run_git(worktree, ["rev-parse", f"{snap}^", f"{snap}^{{tree}}", f"{snap}^^{{tree}}"])
    if not found.ok:
        return "", False
    parent, tree, parent_tree = found.stdout.split()
    return parent, tree == parent_tree


def _rename(worktree: Path, old: str, jobs: list[int], commit: str) -> None:
    """The snapshot's ref takes its jobs' names (the commit is kept by one or the other
    throughout)."""
    if all(run_git(worktree, ["update-ref", f"refs/orgtui/jobs/{job}", commit]).ok for job in jobs):
        run_git(worktree, ["update-ref", "-d", old, commit])
