"""`progress`: the org's progress score up to now, and each agent's record."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from orgtui.judge.progress import score
from orgtui.ledger.leaderboard import leaderboard
from orgtui.ledger.progress import history
from orgtui.protocol.codec import decode
from orgtui.protocol.progress import Progress, ProgressReport

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Progress


async def handle(orgd: Orgd, req: Progress, peer: Peer) -> ProgressReport:
    ledger, research = orgd.jobs.ledger, orgd.cfg.research
    past = history(ledger, research.metric, research.goal)
    now = time.time()
    horizon = max(0.0, now - past.started_at) if past.started_at is not None else 0.0
    found = score(past, horizon)
    return decode(ProgressReport, {
        **found.to_json(), "horizon": found.horizon,
        "agents": [asdict(r) for r in leaderboard(ledger)],
    })  # fmt: skip
