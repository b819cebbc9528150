"""`status`: the org, its agents, its scheduler, its config and its rituals, read fresh (the
panes are read first, unless the org is going down)."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from orgtui.agents import setup
from orgtui.protocol.codec import decode
from orgtui.protocol.status import (
    AgentStatus,
    AppliedPlan,
    ConfigStatus,
    OrgStatus,
    RitualStatus,
    SchedulerStatus,
    Status,
)
from orgtui.scheduler.policy import home

if TYPE_CHECKING:
    from orgtui.daemon.agent import Agent
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Status


async def handle(orgd: Orgd, req: Status, peer: Peer) -> OrgStatus:
    if not orgd.shutting_down:
        await orgd.tick()
    cfg, plan = orgd.cfg, orgd.last_plan
    return OrgStatus(
        org=cfg.org.name,
        file=str(cfg.file),
        workdir=str(orgd.workdir),
        program=cfg.org.program,
        daemon_pid=os.getpid(),
        tmux_socket=str(orgd.rt.tmux_sock),
        started_at=orgd.started_at,
        agents=agents(orgd, time.time()),
        metric=cfg.research.metric,
        goal=cfg.research.goal,
        scheduler=decode(SchedulerStatus, orgd.jobs.status()),
        config=ConfigStatus(
            hash=cfg.source_hash,
            applied_at=orgd.applied_at,
            error=orgd.config_error,
            plan=None
            if plan is None
            else decode(AppliedPlan, {**plan.to_json(), "lines": plan.lines()}),
        ),
        processes=[decode(RitualStatus, r) for r in orgd.rituals.status()],
        disk_error=orgd.jobs.disk_error(),
    )


def agents(orgd: Orgd, now: float) -> list[AgentStatus]:
    names = list(orgd.agents)
    devices = [d.id for d in orgd.jobs.devices]
    dedicated = orgd.cfg.scheduler.mode == "dedicated" and devices

    def one(a: Agent) -> AgentStatus:
        activity, idle = a.life.activity_state(now)
        return AgentStatus(
            name=a.spec.name,
            role=a.spec.role,
            kind=a.spec.kind,
            branch=a.branch,
            worktree=str(a.worktree),
            state=a.life.state,
            activity=activity if a.life.alive else "idle",
            idle_seconds=round(idle, 1),
            exit_status=a.life.exit_status,
            pane_pid=a.life.pid,
            restarts=a.life.restarts,
            size=[a.spec.cols, a.spec.rows],
            device=devices[home(a.spec.name, names, devices)] if dedicated else None,
            last_metric=orgd.jobs.last_metric(a.spec.name),
            last_verdict=orgd.verdicts.last(a.spec.name),
            setup=setup.describe(setup.read_record(orgd.workdir, a.spec.name)),
        )

    return [one(a) for a in orgd.agents.values()]
