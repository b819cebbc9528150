"""`job_list`: every job (or an agent's, or those in some states), as their JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.ledger.store import job_json

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> list[dict[str, Any]]:
    states = args.get("states")
    rows = orgd.jobs.ledger.jobs(states=states, agent=args.get("agent"))
    return [job_json(r) for r in rows]
