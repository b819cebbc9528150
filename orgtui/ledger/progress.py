"""What the progress score needs from the ledger, read in a few queries whatever its size:
`history(ledger, metric, goal)` gathers it into a `judge.progress.History`, which
`judge.progress.score` turns into the curve and the score (its docstring defines them).

- The start: the `created_at` of the first group.
- The starting baseline: the first baseline group (by id) with an ok seed whose metric is a
  number; its mean over those seeds. σ: `judge.noise.pooled` over `Groups.noise_groups` at that
  group's budget and device type (its jobs' device types, as orgd names a group's), exactly
  as orgd pools it when it judges, over the whole ledger.
- Each job that ended with device-seconds recorded: when, how many, and what for (its group's
  kind; a promotion's verification and reference groups count as verification).
- The promotions (none for a ledger made before promotions existed), each experiment group
  judged `better` with its last seed's end, and the ledger's last event (the latest end of a
  job or a promotion).

A metrics column that is not valid JSON counts as no metric. A ledger made before groups
raises `OldLedger`, as `orgtui results` does.
"""

from __future__ import annotations

import math
import sqlite3
from typing import TYPE_CHECKING

from orgtui.enums import JobKind
from orgtui.judge.noise import pooled
from orgtui.judge.progress import History, Promotion, Spend
from orgtui.ledger.results import OldLedger

if TYPE_CHECKING:
    from orgtui.ledger.store import Ledger

SHARE = {JobKind.BASELINE: "baselines", JobKind.VERIFICATION: "verification",
         JobKind.EXPERIMENT: "experiments", JobKind.OTHER: "other"}  # fmt: skip
"""Which share of compute a group's kind counts under."""

_VALUE = "CASE WHEN json_valid(metrics) THEN json_extract(metrics, ?) END"
_FIRST_BASELINE = (
    "SELECT g.id, g.budget_time, g.budget_flops FROM groups AS g WHERE g.kind = 'baseline'"
    f" AND EXISTS (SELECT 1 FROM jobs WHERE jobs.group_id = g.id AND jobs.state = 'ok'"
    f" AND typeof({_VALUE}) IN ('integer', 'real')) ORDER BY g.id LIMIT 1"
)
_SPENDS = (
    "SELECT jobs.ended_at, jobs.device_seconds, jobs.group_id, g.kind FROM jobs"
    " JOIN groups AS g ON g.id = jobs.group_id"
    " WHERE jobs.ended_at IS NOT NULL AND jobs.device_seconds IS NOT NULL"
)
_SCREENING_WINS = (
    "SELECT MAX(jobs.ended_at) FROM groups AS g JOIN jobs ON jobs.group_id = g.id"
    " WHERE g.kind = 'experiment' AND g.verdict = 'better' GROUP BY g.id"
)
_PROMOTIONS = (
    "SELECT id, screening, verification, reference, state, ended_at, value FROM promotions"
    " ORDER BY id"
)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _promotions(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """The promotions' rows; none for a ledger made before promotions (read-only, nobody
    added the table)."""
    try:
        return db.execute(_PROMOTIONS).fetchall()
    except sqlite3.OperationalError as e:
        if "no such table: promotions" in str(e):
            return []
        raise


def _start(ledger: Ledger, metric: str) -> tuple[float | None, float | None]:
    """The starting baseline's mean and the pooled σ at its budget and device type."""
    path = f'$."{metric}"'
    row = ledger.db.execute(_FIRST_BASELINE, (path,)).fetchone()
    if row is None:
        return None, None
    gid, budget_time, budget_flops = row
    sql = f"SELECT state, device_type, {_VALUE} FROM jobs WHERE group_id = ?"
    values: list[float] = []
    types: set[str] = set()
    for state, device_type, value in ledger.db.execute(sql, (path, gid)):
        if device_type:
            types.add(device_type)
        number = _number(value)
        if state == "ok" and number is not None:
            values.append(number)
    mean = math.fsum(values) / len(values)
    noise = pooled(ledger.noise_groups(metric, budget_time, budget_flops, ", ".join(sorted(types))))
    return mean, (noise.sigma if noise.df > 0 else None)


def history(ledger: Ledger, metric: str, goal: str) -> History:
    """What the score needs from `ledger`, for the org's `metric` and `goal`."""
    db = ledger.db
    try:
        started_at = db.execute("SELECT MIN(created_at) FROM groups").fetchone()[0]
        spends_rows = db.execute(_SPENDS).fetchall()
    except sqlite3.OperationalError as e:
        if "no such table: groups" in str(e) or "no such column: group_id" in str(e):
            raise OldLedger(
                f"{ledger.path} was made before groups: the next orgd to open it (`orgtui up`) "
                "files its jobs into groups"
            ) from None
        raise
    mean, sigma = _start(ledger, metric)
    rows = _promotions(db)
    checking = {gid for r in rows for gid in (r["verification"], r["reference"]) if gid}
    spends = [
        Spend(ended, seconds, "verification" if gid in checking else SHARE.get(kind, "other"))
        for ended, seconds, gid, kind in spends_rows
        if _number(seconds) is not None and _number(ended) is not None
    ]
    promotions = [
        Promotion(r["id"], r["screening"], r["state"], r["ended_at"], _number(r["value"]))
        for r in rows
    ]
    wins = [at for (at,) in db.execute(_SCREENING_WINS) if at is not None]
    last_job = db.execute("SELECT MAX(ended_at) FROM jobs").fetchone()[0]
    ends = [t for t in (last_job, *(p.ended_at for p in promotions)) if t is not None]
    return History(
        metric=metric, goal=goal, started_at=started_at, start_mean=mean, sigma=sigma,
        spends=spends, promotions=promotions, screening_wins=wins,
        last_at=max(ends, default=None),
    )  # fmt: skip
