"""Applying an edited org file to the running org, touching only what the edit changed.

`make_plan(old, new)` is pure: the agents to add, to remove (a renamed agent is both), to
restart (their command, environment, kind, size or role changed), the ones whose rendered
instructions changed and the other settings that changed (skills and tools among them: their
files' contents are part of the org file's version); the rituals, scheduler and research settings that changed. `[org]`
(name, repository, work dir, program, base), `[scheduler] backend` and, on Slurm, `shared_dir`
and `[scheduler.slurm] partition` cannot change while the org runs: that edit is refused,
like any invalid one. `apply_plan` carries a plan out on a running orgd: agents
the plan does not name keep their pane and process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from orgtui.agents import skills
from orgtui.agents.delivery import for_agent
from orgtui.agents.launch import comms_dir
from orgtui.agents.prompts import prompt_file_name, render, write_prompt
from orgtui.config.errors import ConfigError
from orgtui.config.model import AgentSpec, OrgConfig
from orgtui.daemon import comms
from orgtui.daemon.agent import Agent, make_agent
from orgtui.daemon.jobs import Jobs
from orgtui.daemon.rituals import Rituals
from orgtui.scheduler import devices as devs
from orgtui.tmux.server import TmuxServer
from orgtui.workspace import agent_branch

log = logging.getLogger("orgd.reload")

RESTART_FIELDS = {"command": "command", "env": "env", "kind": "kind", "cols": "size",
                  "rows": "size", "role": "role"}  # fmt: skip
"""AgentSpec fields whose change restarts the agent's program (and how the plan names them)."""
FIXED_ORG_FIELDS = ("name", "repo", "workdir", "program", "base")


@dataclass
class Plan:
    """What a saved org file changes in the running org."""

    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    restart: dict[str, list[str]] = field(default_factory=dict)
    """Agent -> what changed that needs its program started again."""
    prompts: list[str] = field(default_factory=list)
    """Kept agents whose AGENTS.md / CLAUDE.md changes."""
    settings: dict[str, list[str]] = field(default_factory=dict)
    """Kept agents -> other settings that apply without a restart (gpus, restart, ready...)."""
    processes: list[str] = field(default_factory=list)
    """`added standup`, `removed nudge`, `changed baseline`."""
    scheduler: list[str] = field(default_factory=list)
    research: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The plan as a person reads it."""
        out = [f"add agent {a}" for a in self.add]
        out += [f"remove agent {a} (its branch and worktree stay)" for a in self.remove]
        out += [f"restart {a} ({', '.join(why)} changed)" for a, why in self.restart.items()]
        out += [f"rewrite {a}'s instructions (prompt changed)" for a in self.prompts]
        out += [f"{a}: {', '.join(what)} changed" for a, what in self.settings.items()]
        out += [f"ritual: {p}" for p in self.processes]
        if self.scheduler:
            out.append(f"scheduler: {', '.join(self.scheduler)} (for jobs queued from now on)")
        if self.research:
            out.append(f"research: {', '.join(self.research)} (for jobs queued from now on)")
        return out or ["nothing to change"]


def make_plan(old: OrgConfig, new: OrgConfig) -> Plan:
    """The plan that takes the running org from `old` to `new`; ConfigError for an edit that
    cannot apply while the org runs."""
    for name in FIXED_ORG_FIELDS:
        if getattr(old.org, name) != getattr(new.org, name):
            raise ConfigError(
                new.file, 1, 1,
                f"[org] {name} cannot change while the org runs (it was "
                f"{getattr(old.org, name)!s}): `orgtui down`, then `orgtui up` the new file",
            )  # fmt: skip
    _check_scheduler(old, new)
    plan = Plan()
    before = {a.name: a for a in old.agents}
    after = {a.name: a for a in new.agents}
    plan.add = [n for n in after if n not in before]
    plan.remove = [n for n in before if n not in after]
    old_comms, new_comms = comms_dir(old), comms_dir(new)
    for name in (n for n in after if n in before):
        a, b = before[name], after[name]
        why = sorted(
            {label for f, label in RESTART_FIELDS.items() if getattr(a, f) != getattr(b, f)}
        )
        if why:
            plan.restart[name] = why
        branch = agent_branch(new.org.program, name)
        if render(old, a, branch, old_comms) != render(new, b, branch, new_comms):
            plan.prompts.append(name)
        other = [
            f.name
            for f in fields(AgentSpec)
            if f.name not in RESTART_FIELDS
            and f.name not in ("prompt", "prompt_file", "name")
            and getattr(a, f.name) != getattr(b, f.name)
        ]
        if other:
            plan.settings[name] = other
    was = {p.name: p for p in old.processes}
    now = {p.name: p for p in new.processes}
    plan.processes = [f"added {n}" for n in now if n not in was]
    plan.processes += [f"removed {n}" for n in was if n not in now]
    plan.processes += [f"changed {n}" for n in now if n in was and now[n] != was[n]]
    plan.scheduler = _changed(old.scheduler, new.scheduler)
    plan.research = _changed(old.research, new.research)
    return plan


def _check_scheduler(old: OrgConfig, new: OrgConfig) -> None:
    """ConfigError for a change of what orgd chose its jobs' runner by at `up`: `backend`,
    and on Slurm `shared_dir` and the partition (accepted, they would do nothing)."""
    was, now = _fixed_scheduler(old), _fixed_scheduler(new)
    for key, value in was.items():
        if value != now.get(key):
            raise ConfigError(
                new.file, 1, 1,
                f"{key} cannot change while the org runs (it was {value or 'the default'!s}): "
                "`orgtui down`, then `orgtui up` the new file",
            )  # fmt: skip


def _fixed_scheduler(cfg: OrgConfig) -> dict[str, object]:
    """What orgd read once, at `up`: the backend; on Slurm, where the jobs' folders are and
    the partition (off Slurm neither is read, so neither counts)."""
    sched = cfg.scheduler
    out: dict[str, object] = {"[scheduler] backend": sched.backend}
    if sched.backend == "slurm":
        out["[scheduler] shared_dir"] = sched.shared_dir
        out["[scheduler.slurm] partition"] = sched.slurm.partition
    return out


def _changed(a: Any, b: Any) -> list[str]:
    return [f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)]


class ReloadHost(Protocol):
    """What applying a plan needs of orgd: it swaps the org's config and agents, starts,
    restarts and stops panes, and hands the new settings to the jobs and the rituals."""

    cfg: OrgConfig
    agents: dict[str, Agent]
    applied_at: float

    @property
    def tick_lock(self) -> asyncio.Lock: ...
    @property
    def tmux(self) -> TmuxServer: ...
    @property
    def comms(self) -> Path: ...
    @property
    def jobs(self) -> Jobs: ...
    @property
    def rituals(self) -> Rituals: ...
    def launch(self, agent: Agent) -> None: ...
    def resize(self, agent: Agent) -> None: ...
    async def respawn(self, agent: Agent) -> None: ...
    async def deliver(self, agent: Agent, text: str, timeout: float) -> None: ...


async def apply_plan(orgd: ReloadHost, new: OrgConfig, plan: Plan) -> None:
    """Carry `plan` out: the org runs `new` from here on."""
    devices = None
    if {"devices", "cpu_slots"} & set(plan.scheduler):  # may raise DeviceError: nothing changed
        devices = await asyncio.to_thread(
            devs.discover, new.scheduler.devices, new.scheduler.cpu_slots
        )
    # New agents' branches and worktrees first: if git refuses one, nothing has changed yet.
    added = await asyncio.gather(*(_prepare(new, n) for n in plan.add))
    old_agents = orgd.agents
    async with orgd.tick_lock:  # no tick sees the new agents before their windows
        orgd.cfg = new
        for name in plan.remove:
            await _remove(orgd, old_agents[name])
        agents: dict[str, Agent] = {}
        for spec in new.agents:  # in the file's order, as status and the cockpit show them
            agent = old_agents.get(spec.name) or next(a for a in added if a.spec.name == spec.name)
            agent.spec = spec
            agent.life.restart_policy = spec.restart
            agents[spec.name] = agent
        orgd.agents = agents
        comms.ensure(orgd.comms, new.org.name, agents)
        for agent in added:
            await asyncio.to_thread(orgd.launch, agent)
    for name in dict.fromkeys([*plan.settings, *plan.restart]):  # a restarted agent has them
        agent = agents[name]
        changed = {*plan.settings.get(name, ()), *plan.restart.get(name, ())}
        if changed & {"skills", "tools", "kind"}:
            await asyncio.to_thread(
                skills.install, agent.spec, agent.worktree, new.org.workdir, new.org.repo
            )
    for name in plan.restart:
        agent = agents[name]
        if "kind" in plan.restart[name]:  # CLAUDE.md or AGENTS.md: the other one now
            await asyncio.to_thread(
                write_prompt, new, agent.spec, agent.branch, agent.worktree, orgd.comms
            )
        async with orgd.tick_lock:  # not the delivery lock: a message being typed fails
            await asyncio.to_thread(orgd.resize, agent)
            await orgd.respawn(agent)
    for name in plan.prompts:
        agent = agents[name]
        await asyncio.to_thread(
            write_prompt, new, agent.spec, agent.branch, agent.worktree, orgd.comms
        )
        if agent.spec.on_prompt_change == "send" and name not in plan.restart:
            asyncio.get_running_loop().create_task(_send_prompt(orgd, agent))
    if plan.scheduler:
        orgd.jobs.configure(new.scheduler, devices)
    if plan.processes:
        orgd.rituals.configure(new.processes)
    orgd.applied_at = time.time()


async def _remove(orgd: ReloadHost, agent: Agent) -> None:
    """Stop the agent's pane (a message being typed into it fails); its branch, worktree,
    comms and jobs stay."""
    pane = agent.life.pane_id
    if pane is not None:
        await asyncio.to_thread(orgd.tmux.run, "kill-window", "-t", pane, check=False)
    agent.life.state = "stopped"
    log.info("removed %s (pane %s); its branch and worktree stay", agent.spec.name, pane)


async def _prepare(new: OrgConfig, name: str) -> Agent:
    spec = new.agent(name)
    assert spec is not None
    return await asyncio.to_thread(make_agent, new, spec)


async def _send_prompt(orgd: ReloadHost, agent: Agent) -> None:
    text = (
        f"orgtui: your instructions changed (rewritten in {prompt_file_name(agent.spec)}); "
        "your role now:\n\n"
        f"{agent.spec.prompt.strip()}"
    )
    try:
        await orgd.deliver(agent, for_agent(agent.spec.kind, text), timeout=300)
    except Exception as e:  # busy for long, or gone: the file has it
        log.warning("%s was not sent its new prompt: %s", agent.spec.name, e)
