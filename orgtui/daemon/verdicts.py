"""Judging groups: when a group's last seed ends, orgd judges it against its reference
(`judge.verdict.judge`, with the noise pooled over every group at its budget and device type)
and keeps the verdict in the ledger; groups waiting on a reference that just ended are
judged again. The agent is told once the verdict is final, in one line that quotes it, so
Claude, Codex and our own researcher get the same guard.

Kinds not judged (`baseline`, `other`) get no verdict: their agent hears of each job's end as
before. A verdict that could not be written (a full disk) is written by the next catch-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Protocol

from orgtui.agents.delivery import for_agent
from orgtui.config.model import OrgConfig
from orgtui.daemon.agent import Agent
from orgtui.daemon.baseline import BaselineHost
from orgtui.daemon.job_run import notice
from orgtui.daemon.references import is_ancestor, pick
from orgtui.enums import JobKind
from orgtui.judge.noise import pooled
from orgtui.judge.verdict import Group, Rules, Run, Verdict, judge, summary
from orgtui.ledger.rows import GroupRow, JobRow
from orgtui.ledger.store import Ledger, WriteError
from orgtui.protocol.groups import span

log = logging.getLogger("orgd.verdicts")
JUDGED = (JobKind.EXPERIMENT, JobKind.VERIFICATION)
"""The kinds that get a verdict."""


class VerdictsHost(BaselineHost, Protocol):
    """What judging needs of orgd: its settings and jobs (`BaselineHost`: a fresh reference
    may be queued), its agents (who are told), whether it is going down, the margin a
    promotion recorded for its verification group (`margin`), and what follows a final
    verdict (`judged`: a verification ends its promotion; `promote = "auto"` promotes)."""

    @property
    def cfg(self) -> OrgConfig: ...
    @property
    def agents(self) -> Mapping[str, Agent]: ...
    @property
    def shutting_down(self) -> bool: ...
    async def deliver(self, agent: Agent, text: str, timeout: float) -> None: ...
    def margin(self, gid: int) -> float | None: ...
    def judged(self, group: GroupRow, verdict: Verdict) -> None: ...


def as_judged(row: GroupRow, jobs: list[JobRow], metric: str) -> Group:
    """A ledger group as the judge reads it."""
    types = sorted({j.device_type for j in jobs if j.device_type})
    runs = tuple(
        Run(
            job=j.id,
            state=str(j.state),
            value=j.metrics.get(metric),
            flops=j.flops,
            tokens=j.tokens,
            params=j.params,
            wall_seconds=j.wall_seconds,
            device_seconds=j.device_seconds,
            steps=j.metrics.get("num_steps"),
            reason=j.reason,
        )  # fmt: skip
        for j in jobs
    )
    return Group(
        id=row.id, runs=runs, budget_time=row.budget_time, budget_flops=row.budget_flops,
        device_type=", ".join(types), commit=row.commit,
    )  # fmt: skip


class Verdicts:
    """The org's verdicts: judged when groups end, kept in the ledger, told to agents."""

    def __init__(self, orgd: VerdictsHost) -> None:
        self.orgd = orgd
        self.changed = asyncio.Condition()
        """Notified whenever a group's verdict or seeds changed (`group_wait` waits on it)."""
        self._lock = asyncio.Lock()
        self._last = self.ledger.last_verdicts()  # kept current by `settle`: status costs no query

    def last(self, agent: str) -> str | None:
        """The agent's latest final verdict, as `group 5: within_noise`."""
        found = self._last.get(agent)
        return None if found is None else f"group {found[0]}: {found[1]}"

    @property
    def ledger(self) -> Ledger:
        return self.orgd.jobs.ledger

    def rules(self, gid: int | None = None) -> Rules:
        """The org's rules; for a promotion's verification, with the margin it recorded."""
        research = self.orgd.cfg.research
        margin = None if gid is None else self.orgd.margin(gid)
        return Rules(metric=research.metric, goal=research.goal,
                     max_comparisons=research.max_comparisons,
                     min_delta=research.min_delta if margin is None else margin)  # fmt: skip

    # -- when a group is made and when its jobs end -----------------------------------

    async def place(self, gid: int, reference: int | None = None) -> int | None:
        """Give a new group its reference (the one named, or the one orgd picks); its id."""
        group = self.ledger.group(gid)
        if group is None or group.kind not in JUDGED:
            return None
        if reference is not None:
            k = self.ledger.served(reference, gid) + 1
            self.ledger.update_group(gid, reference=reference, comparison=k)
            return reference
        chosen = await pick(self.orgd, group)
        if chosen.reference is not None:
            self.ledger.update_group(gid, reference=chosen.reference, comparison=chosen.k)
        return chosen.reference

    def job_ended(self, job: int) -> None:
        """A job's end is in the ledger: judge its group (and what waits on it)."""
        asyncio.get_running_loop().create_task(self._job_ended(job))

    async def _job_ended(self, job: int) -> None:
        try:
            gid = self.ledger.group_of(job)
            if gid is not None:
                await self.settle(gid, job)
            await self.catch_up()
        except Exception:
            log.exception("judging the group of job %d", job)
        async with self.changed:
            self.changed.notify_all()

    async def catch_up(self) -> None:
        """Judge every group whose verdict waits (its reference ended meanwhile, or its
        verdict could not be written)."""
        for group in self.ledger.unsettled(JUDGED):
            await self.settle(group.id)

    async def settle(self, gid: int, job: int | None = None) -> Verdict | None:
        """Judge group `gid` if its seeds all ended, keep the verdict, tell its agent once it
        is final; the verdict (None for kinds not judged)."""
        async with self._lock:
            group = self.ledger.group(gid)
            if group is None:
                return None
            jobs = self.ledger.group_jobs(gid)
            if group.kind not in JUDGED:
                if job is not None:
                    self._tell_job(job)
                return None
            if not all(j.state.ended for j in jobs):
                return None
            verdict = await self._judge(group, jobs)
            try:
                self.ledger.update_group(gid, verdict=verdict.verdict,
                                         judgement=verdict.to_json())  # fmt: skip
            except WriteError as e:
                log.error("group %d: its verdict could not be written: %s", gid, e)
                return verdict
            log.info("group %d: %s", gid, summary(verdict))
            if verdict.final:
                self._last[group.agent] = (gid, verdict.verdict)
                if group.verdict in (None, "pending"):  # it just became final
                    self.orgd.judged(group, verdict)
            if verdict.final and not group.told:
                self._tell_group(group, jobs, verdict)
            return verdict

    async def _judge(self, group: GroupRow, jobs: list[JobRow]) -> Verdict:
        rules, cfg = self.rules(group.id), self.orgd.cfg
        reference = self.ledger.group(group.reference) if group.reference else None
        if (
            reference is not None
            and reference.kind in JUDGED
            and reference.verdict
            not in (
                "better",
                "pending",
                None,
            )
        ):  # stacked on a change that did not win: look past it
            reference = None
            await self._repick(group, skip={group.reference or 0})
            group = self.ledger.group(group.id) or group
            reference = self.ledger.group(group.reference) if group.reference else None
        elif reference is None:
            why = await self._repick(group)
            group = self.ledger.group(group.id) or group
            reference = self.ledger.group(group.reference) if group.reference else None
            if reference is None:
                return judge(as_judged(group, jobs, rules.metric), None, pooled([]), 0, rules,
                             no_reference=why)  # fmt: skip
        assert reference is not None
        if reference.kind in JUDGED and reference.verdict in ("pending", None):
            return Verdict(  # stacked on a change whose own verdict is still to come
                "pending", rules.metric, rules.goal,
                reason=f"its reference, group {reference.id}, has no final verdict yet",
            )  # fmt: skip
        mine = as_judged(group, jobs, rules.metric)
        theirs = as_judged(reference, self.ledger.group_jobs(reference.id), rules.metric)
        ancestor = await is_ancestor(cfg.org.repo, reference.commit, group.commit)
        noise = pooled(self.ledger.noise_groups(
            rules.metric, group.budget_time, group.budget_flops, mine.device_type
        ))  # fmt: skip
        return judge(mine, theirs, noise, group.comparison or 1, rules, ancestor=ancestor)

    async def _repick(self, group: GroupRow, skip: set[int] | None = None) -> str:
        chosen = await pick(self.orgd, group, skip or set())
        self.ledger.update_group(group.id, reference=chosen.reference, comparison=chosen.k)
        return chosen.why

    # -- telling agents ---------------------------------------------------------------

    def _tell_job(self, job: int) -> None:
        row = self.ledger.get(job)
        if row is not None:
            self._tell(row.agent, notice(row, self.orgd.cfg.research.metric), None)

    def _tell_group(self, group: GroupRow, jobs: list[JobRow], verdict: Verdict) -> None:
        ids = [j.id for j in jobs]
        if len(jobs) == 1:
            line = f"{notice(jobs[0], verdict.metric)[:-1]}, orgtui group show {group.id})"
            line = f"{line} · group {group.id}: {summary(verdict)}"
        else:
            line = (f"orgtui: group {group.id} (jobs {span(ids)}): {summary(verdict)} "
                    f"(orgtui group show {group.id})")  # fmt: skip
        self._tell(group.agent, line, group.id)

    def _tell(self, name: str, text: str, gid: int | None) -> None:
        orgd = self.orgd
        agent = orgd.agents.get(name)
        if gid is not None:
            try:
                self.ledger.update_group(gid, told=1)
            except WriteError:
                return  # told by the next catch-up instead
        if agent is None or not orgd.cfg.scheduler.notify or orgd.shutting_down:
            return
        asyncio.get_running_loop().create_task(self._deliver(agent, text))

    async def _deliver(self, agent: Agent, text: str) -> None:
        try:
            await self.orgd.deliver(agent, for_agent(agent.spec.kind, text), timeout=120)
        except Exception as e:  # the agent is busy for long, or gone: the ledger has it
            log.warning("%s was not told: %s", agent.spec.name, e)
