"""Each agent's record, from the ledger: its groups, its screening wins, how many of them
verification confirmed (promoted) or rejected, and the device-hours its jobs used. The
cockpit's leaderboard and the report read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgtui.ledger.store import Ledger


@dataclass(frozen=True, slots=True)
class AgentRecord:
    agent: str
    groups: int
    """Its experiment groups."""
    better: int
    """Of them, judged `better` (screening wins)."""
    verified_wins: int
    """Screening wins of its that a promotion merged."""
    false_discoveries: int
    """Screening wins of its whose verification rejected them."""
    device_hours: float
    """Device-hours of every job of its (its groups and their verifications)."""


def leaderboard(ledger: Ledger) -> list[AgentRecord]:
    """Every agent with a group (not orgd's own, `@...`), most verified wins first."""
    groups = {
        agent: (n, better)
        for agent, n, better in ledger.db.execute(
            "SELECT agent, COUNT(*), SUM(verdict = 'better') FROM groups"
            " WHERE kind = 'experiment' GROUP BY agent"
        )
    }
    hours = {
        agent: seconds / 3600
        for agent, seconds in ledger.db.execute(
            "SELECT agent, COALESCE(SUM(device_seconds), 0) FROM jobs GROUP BY agent"
        )
    }
    ends: dict[str, dict[str, int]] = {}
    try:
        rows = ledger.db.execute(
            "SELECT g.agent, p.state, COUNT(DISTINCT p.screening) FROM promotions AS p"
            " JOIN groups AS g ON g.id = p.screening GROUP BY g.agent, p.state"
        ).fetchall()
    except Exception:  # a ledger made before promotions (read-only: no table)
        rows = []
    for agent, state, n in rows:
        ends.setdefault(agent, {})[state] = n
    agents = sorted(a for a in set(groups) | set(hours) if not a.startswith("@"))
    board = [
        AgentRecord(
            agent=a,
            groups=groups.get(a, (0, 0))[0],
            better=int(groups.get(a, (0, 0))[1] or 0),
            verified_wins=ends.get(a, {}).get("promoted", 0),
            false_discoveries=ends.get(a, {}).get("rejected", 0),
            device_hours=round(hours.get(a, 0.0), 6),
        )  # fmt: skip
        for a in agents
    ]
    return sorted(board, key=lambda r: (-r.verified_wins, -r.better, r.agent))
