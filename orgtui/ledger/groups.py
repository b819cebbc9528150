"""The ledger's groups: the seeds of one change, added with their jobs in one transaction,
and what judging them reads (a group's references, the noise at a budget).

A group has one snapshot, one command, one budget and orgd's seeds. An experiment group is
judged against its `reference` (another group: a baseline, or the agent's earlier change it
is stacked on); `comparison` is which of the reference's comparisons it is. The verdict is
kept as its word (`verdict`, to select on) and its JSON (`judgement`).

A ledger made before groups existed gets them when it is opened (`adopt_old_jobs`): the
seeds of each old baseline (one `baseline_id`) form a group, every other job a group of one.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from orgtui.enums import JobKind
from orgtui.ledger.rows import GroupRow, JobRow, encode_job

JUDGED = (JobKind.BASELINE, JobKind.EXPERIMENT, JobKind.VERIFICATION)
"""The kinds whose seeds are results: their spread is the noise, and they serve as
references."""

JOBS = (
    "SELECT jobs.*, g.reference AS reference FROM jobs LEFT JOIN groups AS g"
    " ON g.id = jobs.group_id"
)
"""Jobs with their group's reference (a job's JSON has both)."""


def budget_where(
    budget_time: float, budget_flops: float | None, table: str = "groups"
) -> tuple[str, list[object]]:
    """SQL matching groups at this budget: the same FLOPs budget, or (neither having one) the
    same time budget."""
    if budget_flops is not None:
        return f"{table}.budget_flops = ?", [budget_flops]
    return f"{table}.budget_flops IS NULL AND {table}.budget_time = ?", [budget_time]


class Groups:
    """The group methods of `Ledger` (which holds `db` and `_writing`)."""

    db: sqlite3.Connection
    _writing: Callable[[], AbstractContextManager[None]]

    def add_group(
        self,
        group: dict[str, Any],
        jobs: list[dict[str, Any]],
        check: Callable[[], object] | None = None,
    ) -> tuple[int, list[int]]:
        """A new group and its jobs (queued), in one transaction; (group id, job ids). `check`
        runs inside it first: an exception it raises leaves nothing written."""
        return self.add_groups([(group, jobs)], check)[0]

    def add_groups(
        self,
        groups: list[tuple[dict[str, Any], list[dict[str, Any]]]],
        check: Callable[[], object] | None = None,
    ) -> list[tuple[int, list[int]]]:
        """New groups and their jobs in one transaction, the jobs queued in turn (the first
        of each group, then the second of each...: run side by side, drift hits them alike);
        each group's (id, job ids)."""
        now = time.time()
        made: list[tuple[int, list[int]]] = []
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            if check is not None:
                check()
            for group, jobs in groups:
                made.append((self._insert("groups", {"created_at": now, "seeds": len(jobs),
                                                     **group}), []))  # fmt: skip
            most = max((len(jobs) for _, jobs in groups), default=0)
            for i in range(most):
                for (gid, ids), (_, jobs) in zip(made, groups, strict=True):
                    if i >= len(jobs):
                        continue
                    fields = {"queued_at": now, "state": "queued", **jobs[i], "group_id": gid}
                    row = encode_job(fields)
                    job = self._insert("jobs", row)
                    self.db.execute(
                        "INSERT INTO events (job, at, state) VALUES (?, ?, ?)",
                        (job, row["queued_at"], row["state"]),
                    )
                    ids.append(job)
        return made

    def _insert(self, table: str, fields: dict[str, Any]) -> int:
        columns = ", ".join(f'"{k}"' for k in fields)
        marks = ", ".join("?" for _ in fields)
        cur = self.db.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(fields.values())
        )
        return int(cur.lastrowid or 0)

    def update_group(self, gid: int, **fields: Any) -> None:
        """Change a group (its reference, its verdict), committed."""
        if "judgement" in fields and not isinstance(fields["judgement"], str):
            fields["judgement"] = json.dumps(fields["judgement"])
        sets = ", ".join(f'"{k}" = ?' for k in fields)
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(f"UPDATE groups SET {sets} WHERE id = ?", [*fields.values(), gid])

    # -- reading ----------------------------------------------------------------------

    def group(self, gid: int) -> GroupRow | None:
        row = self.db.execute("SELECT * FROM groups WHERE id = ?", (gid,)).fetchone()
        return None if row is None else GroupRow.from_sql(row)

    def groups(
        self,
        agent: str | None = None,
        kind: str | None = None,
        after: int = 0,
        limit: int | None = None,
        newest: bool = False,
        verdict: str | None = None,
    ) -> list[GroupRow]:
        """Groups in id order (`newest`: the latest `limit` ones, still in id order)."""
        where: list[str] = ["id > ?"]
        args: list[object] = [after]
        for column, value in (("agent", agent), ("kind", kind), ("verdict", verdict)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = f"SELECT * FROM groups WHERE {' AND '.join(where)}"
        if limit is not None:
            order = "DESC" if newest else ""
            rows = self.db.execute(f"{sql} ORDER BY id {order} LIMIT ?", [*args, limit])
            found = [GroupRow.from_sql(r) for r in rows]
            return sorted(found, key=lambda g: g.id)
        return [GroupRow.from_sql(r) for r in self.db.execute(f"{sql} ORDER BY id", args)]

    def group_jobs(self, gid: int) -> list[JobRow]:
        rows = self.db.execute(f"{JOBS} WHERE jobs.group_id = ? ORDER BY jobs.id", (gid,))
        return [JobRow.from_sql(r) for r in rows]

    def group_of(self, job: int) -> int | None:
        row = self.db.execute("SELECT group_id FROM jobs WHERE id = ?", (job,)).fetchone()
        return None if row is None else row[0]

    def at_commits(
        self, commits: Iterable[str], budget_time: float, budget_flops: float | None
    ) -> list[GroupRow]:
        """The judged kinds' groups at these commits and this budget, oldest first: the
        candidates for a reference."""
        commits = list(commits)
        if not commits:
            return []
        same, args = budget_where(budget_time, budget_flops)
        kinds = ", ".join(f"'{k}'" for k in JUDGED)
        marks = ", ".join("?" for _ in commits)
        sql = (
            f'SELECT * FROM groups WHERE "commit" IN ({marks}) AND kind IN ({kinds}) AND {same}'
            " ORDER BY id"
        )
        return [GroupRow.from_sql(r) for r in self.db.execute(sql, [*commits, *args])]

    def served(self, reference: int, other_than: int) -> int:
        """How many groups (other than `other_than`) are compared with `reference`."""
        sql = "SELECT COUNT(*) FROM groups WHERE reference = ? AND id != ?"
        return int(self.db.execute(sql, (reference, other_than)).fetchone()[0])

    def seeds_used(self) -> set[int]:
        """Every seed any job of this org ran with."""
        return {
            r[0] for r in self.db.execute("SELECT DISTINCT seed FROM jobs WHERE seed IS NOT NULL")
        }

    def seed_states(self, gid: int) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT state FROM jobs WHERE group_id = ?", (gid,))]

    def noise_groups(
        self, metric: str, budget_time: float, budget_flops: float | None, device_type: str
    ) -> list[list[float]]:
        """The metric's values of the ok seeds of every judged group at this budget and device
        type, group by group: the spread within each is the noise."""
        same, args = budget_where(budget_time, budget_flops, "g")
        kinds = ", ".join(f"'{k}'" for k in JUDGED)
        sql = (
            "SELECT jobs.group_id, json_extract(jobs.metrics, '$.\"' || ? || '\"') AS v"
            " FROM jobs JOIN groups AS g ON g.id = jobs.group_id"
            f" WHERE jobs.state = 'ok' AND jobs.device_type = ? AND g.kind IN ({kinds})"
            f" AND {same} AND v IS NOT NULL ORDER BY jobs.group_id"
        )
        found: dict[int, list[float]] = {}
        for gid, value in self.db.execute(sql, [metric, device_type, *args]):
            if isinstance(value, int | float):
                found.setdefault(gid, []).append(float(value))
        return list(found.values())

    def unsettled(self, kinds: Iterable[str]) -> list[GroupRow]:
        """Groups of these kinds whose seeds all ended and whose verdict is not final (none
        written yet, or `pending` on a reference)."""
        kinds = list(kinds)
        marks = ", ".join("?" for _ in kinds)
        sql = (
            f"SELECT * FROM groups AS g WHERE g.kind IN ({marks})"
            " AND (g.verdict IS NULL OR g.verdict = 'pending') AND NOT EXISTS"
            " (SELECT 1 FROM jobs WHERE jobs.group_id = g.id AND jobs.state IN"
            " ('queued', 'running')) ORDER BY g.id"
        )
        return [GroupRow.from_sql(r) for r in self.db.execute(sql, kinds)]

    def last_verdicts(self) -> dict[str, tuple[int, str]]:
        """Each agent's latest group with a final verdict: (its id, the verdict)."""
        sql = (
            "SELECT agent, id, verdict FROM groups WHERE verdict IS NOT NULL"
            " AND verdict != 'pending' ORDER BY id"
        )
        return {agent: (gid, verdict) for agent, gid, verdict in self.db.execute(sql)}

    def baseline_groups(self, commit: str) -> Iterator[tuple[GroupRow, list[str]]]:
        """The baseline groups of `commit`, each with its seeds' states."""
        sql = 'SELECT * FROM groups WHERE kind = ? AND "commit" = ? ORDER BY id'
        for row in self.db.execute(sql, (JobKind.BASELINE, commit)).fetchall():
            group = GroupRow.from_sql(row)
            yield group, self.seed_states(group.id)


OLD: dict[str, Any] = {
    "verdict": "invalid", "metric": "", "goal": "", "mean": None, "reference_mean": None,
    "delta": None, "ci": None, "sigma": None, "df": None, "comparisons": "",
    "compute_ratio": {"flops": None, "tokens": None, "wall": None, "params": None},
    "flags": [], "reason": "recorded before orgtui judged results",
}  # fmt: skip
"""The verdict of an experiment recorded before groups: not judged."""


def adopt_old_jobs(db: sqlite3.Connection) -> None:
    """Groups for the jobs of a ledger made before groups (their `group_id` is NULL): an old
    baseline's seeds (one `baseline_id`) together, every other job alone. One transaction."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(jobs)")}
    old = db.execute("SELECT * FROM jobs WHERE group_id IS NULL ORDER BY id").fetchall()
    if not old:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        made: dict[int, int] = {}
        for job in old:
            key = job["baseline_id"] if "baseline_id" in columns and job["baseline_id"] else None
            if key is not None and key in made:
                gid = made[key]
                db.execute("UPDATE groups SET seeds = seeds + 1 WHERE id = ?", (gid,))
            else:
                judged = job["kind"] in (JobKind.EXPERIMENT, JobKind.VERIFICATION)
                cur = db.execute(
                    'INSERT INTO groups (kind, agent, "commit", snapshot, clean, budget_time,'
                    " budget_flops, seeds, description, created_at, verdict, judgement, told)"
                    " VALUES (?, ?, ?, ?, 0, ?, ?, 1, ?, ?, ?, ?, 1)",
                    (job["kind"], job["agent"], job["commit"], job["commit"], job["budget_time"],
                     job["budget_flops"], job["description"], job["queued_at"],
                     "invalid" if judged else None, json.dumps(OLD) if judged else "{}"),
                )  # fmt: skip
                gid = int(cur.lastrowid or 0)
                if key is not None:
                    made[key] = gid
            db.execute("UPDATE jobs SET group_id = ? WHERE id = ?", (gid, job["id"]))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
