"""`baseline`: a person asks for a baseline of the program branch's head now (only orgd makes
baselines; `daemon/baseline.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.config.limits import MAX_SEEDS
from orgtui.daemon.baseline import program_head, queue_group
from orgtui.daemon.handlers import _lookup, _replies
from orgtui.daemon.submit import budget
from orgtui.protocol.groups import Baseline
from orgtui.protocol.jobs import SubmittedGroup
from orgtui.protocol.messages import BAD_REQUEST, FAILED, RequestError
from orgtui.workspace.errors import WorkspaceError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Baseline


async def handle(orgd: Orgd, req: Baseline, peer: Peer) -> SubmittedGroup:
    agent = _lookup.pane_agent(orgd, peer)
    if agent is not None:
        raise RequestError(
            f"a baseline is asked for by a person, and this comes from agent {agent}'s pane: "
            "only orgd makes baselines, and experiments are judged against them by themselves",
            BAD_REQUEST,
        )
    sched = orgd.cfg.scheduler
    if req.seeds is not None and req.seeds > MAX_SEEDS:
        raise RequestError(f"--seeds {req.seeds}: at most {MAX_SEEDS}", BAD_REQUEST)
    if req.flops is not None and not req.flops > 0:
        raise RequestError(f"--flops {req.flops}: must be more than 0", BAD_REQUEST)
    time = budget(req.time, sched.time_budget, sched.max_time)
    flops = sched.flops_budget if req.flops is None else req.flops
    try:
        commit = await program_head(orgd.cfg)
    except WorkspaceError as e:
        raise RequestError(str(e), FAILED) from None
    gid, ids = await queue_group(
        orgd, commit, "@person", budget_time=time, budget_flops=flops, seeds=req.seeds,
        why="asked for by a person",
    )  # fmt: skip
    log = orgd.jobs.runner.log_path
    rows = orgd.jobs.ledger.group_jobs(gid)
    return SubmittedGroup(
        group=gid, jobs=[_replies.submitted(r, str(log(r.id))) for r in rows], reference=None
    )
