"""What `orgtui report` and `orgtui eval` read from a ledger beyond the results and the
progress history: when each group ended and the device time it spent, the promotions, and
when the org started. Read-only, a query each whatever the ledger's size.

- A group's end is the latest end of its jobs once none of them is queued or running (None
  while one is); its device-seconds are the sum over its jobs that recorded them.
- A ledger made before promotions or ablations has none (nobody added the tables to a
  read-only ledger).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orgtui.ledger.ablations import AblationRow
from orgtui.ledger.promotions import PromotionRow

if TYPE_CHECKING:
    from orgtui.ledger.store import Ledger

_ENDS = (
    "SELECT group_id, MAX(ended_at), SUM(state IN ('queued', 'running')),"
    " TOTAL(device_seconds) FROM jobs WHERE group_id IS NOT NULL GROUP BY group_id"
)


@dataclass(frozen=True, slots=True)
class GroupEnd:
    """When a group's last seed ended (None while a seed waits) and what its seeds spent."""

    ended_at: float | None
    device_seconds: float


def group_ends(ledger: Ledger) -> dict[int, GroupEnd]:
    """Each group's end and device-seconds, by group id (groups with no jobs are absent)."""
    found = {}
    for gid, ended, waiting, seconds in ledger.db.execute(_ENDS):
        ended_at = float(ended) if isinstance(ended, int | float) and not waiting else None
        found[int(gid)] = GroupEnd(ended_at, float(seconds or 0.0))
    return found


def promotion_rows(ledger: Ledger) -> list[PromotionRow]:
    """Every promotion in id order; none for a ledger made before promotions."""
    try:
        return ledger.promotions()
    except sqlite3.OperationalError as e:
        if "no such table: promotions" in str(e):
            return []
        raise


def ablation_rows(ledger: Ledger) -> list[AblationRow]:
    """Every ablation's parts, by ablated group then in the change's order; none for a ledger
    made before ablations."""
    sql = "SELECT * FROM ablations ORDER BY screening, position"
    try:
        return [AblationRow.from_sql(r) for r in ledger.db.execute(sql)]
    except sqlite3.OperationalError as e:
        if "no such table: ablations" in str(e):
            return []
        raise


def started_at(path: Path) -> float | None:
    """When the org whose ledger is at `path` made its first group; None when the ledger or
    its groups do not exist yet (read while orgd writes it: a busy ledger is waited for)."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return None
    try:
        value = db.execute("SELECT MIN(created_at) FROM groups").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return float(value) if isinstance(value, int | float) else None
