"""The ledger's ablations: which parts of a win carry its gain.

An ablation of a `screening` group (an experiment judged `better`) has one row per part of
its change, in history order (`position`): a commit between its reference's commit and its
code (`part`, with its `subject`), or its uncommitted edits (`part` empty). Each part that
reverts cleanly has `code`, the screening group's code with that part reverted, and `group`,
the leave-one-out group of that code judged against the screening group; a part that does not
revert cleanly has no group and names its `conflicts` (paths, kept as a JSON list).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS ablations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    screening INTEGER NOT NULL REFERENCES groups(id),
    position INTEGER NOT NULL,
    part TEXT NOT NULL,
    subject TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    group_id INTEGER REFERENCES groups(id),
    conflicts TEXT NOT NULL DEFAULT '[]',
    asked_by TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ablations_screening ON ablations(screening);
CREATE INDEX IF NOT EXISTS ablations_group ON ablations(group_id);
"""


@dataclass(frozen=True, slots=True)
class AblationRow:
    id: int
    screening: int
    position: int
    """The part's place in the change, from 0 (the oldest commit)."""
    part: str
    """The part's commit; '' for the screening group's uncommitted edits."""
    subject: str
    code: str
    """The screening group's code with this part reverted ('' when it does not revert)."""
    group: int | None
    """The leave-one-out group of `code` (None when the part does not revert cleanly)."""
    conflicts: tuple[str, ...]
    """The paths that conflict when the part is reverted."""
    asked_by: str
    created_at: float

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> AblationRow:
        data: dict[str, Any] = dict(zip(row.keys(), row, strict=True))
        data["group"] = data.pop("group_id")
        data["conflicts"] = tuple(json.loads(data["conflicts"] or "[]"))
        return cls(**data)


class Ablations:
    """The ablation methods of `Ledger` (which holds `db` and `_writing`)."""

    db: sqlite3.Connection
    _writing: Callable[[], AbstractContextManager[None]]

    def add_ablation(self, screening: int, asked_by: str, parts: list[dict[str, Any]]) -> None:
        """One row per part (`part`, `subject`, `code`, `group`, `conflicts`), in order, in
        one transaction."""
        now = time.time()
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            for position, p in enumerate(parts):
                self.db.execute(
                    "INSERT INTO ablations (screening, position, part, subject, code, group_id,"
                    " conflicts, asked_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (screening, position, p["part"], p["subject"], p.get("code", ""),
                     p.get("group"), json.dumps(list(p.get("conflicts", []))), asked_by, now),
                )  # fmt: skip

    def ablation(self, screening: int) -> list[AblationRow]:
        """The parts of the ablation of group `screening`, in order ([] when never ablated)."""
        sql = "SELECT * FROM ablations WHERE screening = ? ORDER BY position"
        return [AblationRow.from_sql(r) for r in self.db.execute(sql, (screening,))]

    def ablation_part(self, gid: int) -> AblationRow | None:
        """The ablation part whose leave-one-out group is `gid` (None: not one)."""
        row = self.db.execute("SELECT * FROM ablations WHERE group_id = ?", (gid,)).fetchone()
        return None if row is None else AblationRow.from_sql(row)
