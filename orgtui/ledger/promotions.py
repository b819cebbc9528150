"""The ledger's promotions: a screening group's win verified by fresh seeds, then merged.

A promotion links three groups: the `screening` group (an experiment judged `better`), its
`verification` (fresh seeds of exactly that commit) and its `reference` (fresh seeds of the
program head the merge targets), run side by side at the same budget. `min_delta` is the
margin recorded before the runs start. Its `state`: `verifying` while they run, then
`promoted` (the commit was merged: `merge` is the merge commit, `value` the verification's
mean), `rejected` (the verification did not confirm), or `failed` (the merge could not be
made, or the program branch moved meanwhile: `reason` says which).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS promotions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    screening INTEGER NOT NULL REFERENCES groups(id),
    verification INTEGER REFERENCES groups(id),
    reference INTEGER REFERENCES groups(id),
    "commit" TEXT NOT NULL,
    target TEXT NOT NULL,
    min_delta REAL NOT NULL,
    asked_by TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'verifying',
    reason TEXT NOT NULL DEFAULT '',
    merge TEXT NOT NULL DEFAULT '',
    value REAL,
    created_at REAL NOT NULL,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS promotions_screening ON promotions(screening);
"""

STATES = ("verifying", "promoted", "rejected", "failed")


@dataclass(frozen=True, slots=True)
class PromotionRow:
    id: int
    screening: int
    verification: int | None
    reference: int | None
    commit: str
    target: str
    """The program head the merge targets, when the verification started."""
    min_delta: float
    asked_by: str
    """Who asked: a person's user name, a chief agent, or `@orgd` (`promote = "auto"`)."""
    state: str
    reason: str
    merge: str
    value: float | None
    created_at: float
    ended_at: float | None

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> PromotionRow:
        return cls(**{k: row[k] for k in row.keys()})  # noqa: SIM118


class Promotions:
    """The promotion methods of `Ledger` (which holds `db` and `_writing`)."""

    db: sqlite3.Connection
    _writing: Callable[[], AbstractContextManager[None]]

    def add_promotion(self, **fields: Any) -> int:
        fields.setdefault("created_at", time.time())
        columns = ", ".join(f'"{k}"' for k in fields)
        marks = ", ".join("?" for _ in fields)
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            cur = self.db.execute(
                f"INSERT INTO promotions ({columns}) VALUES ({marks})", list(fields.values())
            )
        return int(cur.lastrowid or 0)

    def update_promotion(self, pid: int, **fields: Any) -> None:
        sets = ", ".join(f'"{k}" = ?' for k in fields)
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(f"UPDATE promotions SET {sets} WHERE id = ?", [*fields.values(), pid])

    def promotion(self, pid: int) -> PromotionRow | None:
        row = self.db.execute("SELECT * FROM promotions WHERE id = ?", (pid,)).fetchone()
        return None if row is None else PromotionRow.from_sql(row)

    def promotions(self, state: str | None = None) -> list[PromotionRow]:
        """Promotions in id order (those in `state`)."""
        if state is None:
            rows = self.db.execute("SELECT * FROM promotions ORDER BY id")
        else:
            rows = self.db.execute("SELECT * FROM promotions WHERE state = ? ORDER BY id", (state,))
        return [PromotionRow.from_sql(r) for r in rows]

    def promotions_of(self, screening: int) -> list[PromotionRow]:
        sql = "SELECT * FROM promotions WHERE screening = ? ORDER BY id"
        return [PromotionRow.from_sql(r) for r in self.db.execute(sql, (screening,))]
