"""The org's rituals, its `[[process]]` entries, run by orgd's tick.

Each runs `every` so long (the first time one period after it was configured) or daily `at`
a local time. Kinds:

- `send`: its message, templated, through safe delivery to the agents of `to`;
- `collect`: the same message (it names the file each agent writes, with {agent} in it),
  then after `deadline` one digest of those files, naming who did not answer, written beside
  them and delivered to `deliver_to` (default: the chiefs; with none, it goes on the board);
- `nudge`: each agent of `to` whose pane has been idle `idle` long while its program runs
  gets the message, once per idle period: the echo of the nudge itself does not end the
  period, only the agent's own output later does (it looks `every` so often; `idle`
  defaults to 10 minutes);
- `baseline`: the program branch's head, when no baseline of it at the org's default budget
  is in the ledger, is queued as one group of `research.seeds` jobs of kind `baseline`, with
  seeds orgd draws (`daemon/baseline.py`); checked at start and at each run.

Shell agents get messages as `#` comments, so a shell does not run them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from orgtui.agents.delivery import for_agent
from orgtui.config.durations import parse_clock
from orgtui.config.model import ProcessSpec
from orgtui.config.processes import collect_path, digest_path
from orgtui.daemon import comms
from orgtui.daemon.agent import Agent
from orgtui.daemon.baseline import BaselineHost, queue_baseline

log = logging.getLogger("orgd.rituals")
COLLECT_DEADLINE = 600.0
"""A collect ritual's deadline when it names none (seconds)."""
ECHO_SECONDS = 3.0
"""Output this soon after a nudge is its echo, not the agent working again."""


@dataclass
class Ritual:
    spec: ProcessSpec
    since: float
    """When it was configured: an `every` ritual first runs one period after."""
    last_run: float | None = None
    next_run: float = 0.0
    collecting: list[tuple[float, str, tuple[str, ...]]] = field(default_factory=list)
    """collect: (due, date, agents asked) for each round not yet gathered."""
    nudged: dict[str, float] = field(default_factory=dict)
    """nudge: agent -> when it was nudged in its current idle period."""
    checks: int = 0
    """How many times the tick looked whether it was due (or, for a nudge, who is idle):
    what a test waits on to know that a ritual had its chances and did nothing."""

    def plan_next(self, now: float) -> None:
        if self.spec.every is not None:
            self.next_run = (self.last_run or self.since) + self.spec.every
        else:
            assert self.spec.at is not None
            self.next_run = next_clock(self.spec.at, now)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.spec.name, "kind": self.spec.kind, "last_run": self.last_run,
                "next_run": self.next_run, "checks": self.checks}  # fmt: skip


def next_clock(at: str, now: float) -> float:
    """The next local `HH:MM` after `now` (unix seconds)."""
    hour, minute = parse_clock(at)
    today = dt.datetime.fromtimestamp(now).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    when = today if today.timestamp() > now else today + dt.timedelta(days=1)
    return when.timestamp()


class RitualsHost(BaselineHost, Protocol):
    """What the rituals need of orgd: beside a baseline's needs, the agents they address and
    the safe delivery of a message to one."""

    @property
    def agents(self) -> Mapping[str, Agent]: ...
    async def deliver(self, agent: Agent, text: str, timeout: float) -> None: ...


class Rituals:
    """The org's rituals, each run when it is due."""

    def __init__(self, orgd: RitualsHost) -> None:
        self.orgd = orgd
        self.rituals: dict[str, Ritual] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.configure(orgd.cfg.processes)

    def configure(self, specs: tuple[ProcessSpec, ...]) -> None:
        """Take the file's rituals: a kept one keeps its history (and, unchanged, its next
        run); a new or changed one is timed from now; a baseline ritual checks at once."""
        now = time.time()
        old, self.rituals = self.rituals, {}
        for spec in specs:
            was = old.get(spec.name)
            ritual = Ritual(spec, since=now)
            if was is not None:
                ritual.last_run, ritual.collecting = was.last_run, was.collecting
                ritual.nudged, ritual.checks = was.nudged, was.checks
                if was.spec == spec:
                    ritual.since = was.since
            ritual.plan_next(now)
            if spec.kind in ("baseline", "nudge") and (was is None or was.spec != spec):
                ritual.next_run = now
            self.rituals[spec.name] = ritual

    def status(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rituals.values()]

    async def tick(self) -> None:
        now = time.time()
        for ritual in list(self.rituals.values()):
            ritual.checks += 1
            for round_ in [c for c in ritual.collecting if c[0] <= now]:
                ritual.collecting.remove(round_)
                self._spawn(self._gather(ritual.spec, round_[1], round_[2]))
            if ritual.spec.kind == "nudge" and now >= ritual.next_run:
                ritual.next_run = now + (ritual.spec.every or 60.0)  # `at`: checked each minute
                self._watch_idle(ritual, now)
            elif now >= ritual.next_run:
                ritual.last_run = now
                ritual.plan_next(now)
                log.info("ritual %s (%s)", ritual.spec.name, ritual.spec.kind)
                await self._run(ritual, now)

    async def _run(self, ritual: Ritual, now: float) -> None:
        spec = ritual.spec
        if spec.kind == "send":
            for agent in self.recipients(spec):
                self._spawn(self._deliver(agent, self.fill(spec.send, agent, now)))
        elif spec.kind == "collect":
            asked = self.recipients(spec)
            for agent in asked:
                self._spawn(self._deliver(agent, self.fill(spec.send, agent, now)))
            due = now + (spec.deadline if spec.deadline is not None else COLLECT_DEADLINE)
            ritual.collecting.append((due, _date(now), tuple(a.spec.name for a in asked)))
        elif spec.kind == "baseline":
            try:
                await queue_baseline(self.orgd, spec.name)
            except Exception as e:  # a repo git cannot read: said in the log, tried again
                log.error("ritual %s: no baseline queued: %s", spec.name, e)

    def _watch_idle(self, ritual: Ritual, now: float) -> None:
        spec = ritual.spec
        idle_for = spec.idle if spec.idle is not None else 600.0
        for agent in self.recipients(spec):
            name, life = agent.spec.name, agent.life
            nudged = ritual.nudged.get(name)
            if nudged is not None and life.activity > nudged + ECHO_SECONDS:
                del ritual.nudged[name]  # it worked again: a new idle period may start
                nudged = None
            idle = now - life.activity if life.activity else now - life.started_at
            if nudged is None and life.alive and idle >= idle_for:
                ritual.nudged[name] = now
                ritual.last_run = now
                log.info("ritual %s: %s idle %.0fs, nudged", spec.name, name, idle)
                self._spawn(self._nudge(ritual, agent, self.fill(spec.send, agent, now)))

    async def _nudge(self, ritual: Ritual, agent: Agent, text: str) -> None:
        await self._deliver(agent, text)
        # Its echo comes as the delivery ends, however long the agent took to be ready.
        if agent.spec.name in ritual.nudged:
            ritual.nudged[agent.spec.name] = time.time()

    # -- helpers ----------------------------------------------------------------------

    def recipients(self, spec: ProcessSpec) -> list[Agent]:
        agents = list(self.orgd.agents.values())
        if spec.to == "all":
            return agents
        if isinstance(spec.to, str):  # a role
            return [a for a in agents if a.spec.role == spec.to]
        return [a for a in agents if a.spec.name in spec.to]

    def fill(self, template: str, agent: Agent, now: float) -> str:
        cfg = self.orgd.cfg
        return template.format(
            agent=agent.spec.name, role=agent.spec.role, date=_date(now),
            comms=self.orgd.comms, program=cfg.org.program,
        )  # fmt: skip

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _deliver(self, agent: Agent, text: str) -> None:
        try:
            await self.orgd.deliver(agent, for_agent(agent.spec.kind, text), timeout=300)
        except Exception as e:  # busy for long, or gone
            log.warning("ritual message to %s not delivered: %s", agent.spec.name, e)

    async def _gather(self, spec: ProcessSpec, date: str, asked: tuple[str, ...]) -> None:
        template = collect_path(spec.send)
        assert template is not None  # the config checks it
        fields = {"date": date, "comms": self.orgd.comms, "program": self.orgd.cfg.org.program}
        parts, missing = [], []
        for name in asked:
            agent = self.orgd.agents.get(name)
            role = agent.spec.role if agent else ""
            path = self._path(template.format(agent=name, role=role, **fields), agent)
            try:
                text = path.read_text(errors="replace").strip()
            except OSError:
                text = ""
            if text:
                parts.append(f"## {name}\n\n{text}\n")
            else:
                missing.append(name)
        out = self._path(digest_path(template).format(agent="all", role="", **fields), None)
        head = f"# {spec.name} {date}: {len(asked) - len(missing)} of {len(asked)} answered"
        tail = f"No answer from: {', '.join(missing)}.\n" if missing else "Everyone answered.\n"
        digest = "\n".join([head, "", *parts, tail])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(digest)
        log.info("ritual %s: digest %s (missing: %s)", spec.name, out, ", ".join(missing) or "none")
        to = [self.orgd.agents[n] for n in spec.deliver_to if n in self.orgd.agents]
        if not spec.deliver_to:
            to = [a for a in self.orgd.agents.values() if a.spec.role == "chief"]
        message = f"{head} (in {out}). {tail.strip()}"
        if not to:
            comms.post(self.orgd.comms, f"orgtui {spec.name}", None, f"{message}\n\n{digest}")
        for agent in to:
            await self._deliver(agent, f"{message}\n\n{digest}")

    def _path(self, text: str, agent: Agent | None) -> Path:
        """A file a ritual names: absolute, or relative to the agent's worktree (the org's
        comms folder for the digest)."""
        path = Path(text).expanduser()
        if path.is_absolute():
            return path
        return (agent.worktree if agent else self.orgd.comms) / path


def _date(now: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(now))
