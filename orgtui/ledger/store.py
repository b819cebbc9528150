"""The results ledger: every job, its code, its compute and its metrics, in SQLite.

Only orgd writes it. WAL mode on a local filesystem (a rollback journal on a network one,
which WAL cannot share); every change is one committed transaction, made before orgd acts
on it (a job is recorded `running` before its process starts, so a crash in between leaves a
job that re-adoption marks `lost`, never a process nobody knows of). Each state change is
also appended to `events`, so a job's history can be read back.

The schema has room for judging results (DESIGN.md, "Where the results ledger is headed"):
a job's kind (`baseline`, `experiment`, `verification`, `other`), the baseline it is compared
with, the seed, and compute as columns of their own (wall and device seconds, tokens, FLOPs,
parameters, peak memory, the device type).

A change that cannot be committed (the disk is full, an I/O error) raises `WriteError` and
leaves nothing of it written; orgd keeps it and tries again. A job is added with its
snapshot's commit in one transaction (`add`), and only while its submitter still waits
(`check`); a client whose answer did not come learns from `submitted` whether it was.

Reads return typed rows (`ledger/rows.py`); `job_json(row)` is the job's JSON with the stable
keys `orgtui job show --json` prints. All of orgtui's SQL is in this package.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from orgtui.enums import JobState
from orgtui.ledger.ablations import SCHEMA as ABLATIONS
from orgtui.ledger.ablations import Ablations
from orgtui.ledger.groups import JOBS, Groups, adopt_old_jobs
from orgtui.ledger.promotions import SCHEMA as PROMOTIONS
from orgtui.ledger.promotions import Promotions
from orgtui.ledger.rows import Event, JobRow, Waiting, encode_job

log = logging.getLogger("orgd.ledger")

COMPUTE = ("wall_seconds", "device_seconds", "tokens", "flops", "params", "peak_mem_mb")

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    agent TEXT NOT NULL,
    "commit" TEXT NOT NULL DEFAULT '',
    snapshot TEXT NOT NULL DEFAULT '',
    clean INTEGER NOT NULL DEFAULT 1,
    budget_time REAL NOT NULL,
    budget_flops REAL,
    seeds INTEGER NOT NULL,
    reference INTEGER REFERENCES groups(id),
    comparison INTEGER,
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    verdict TEXT,
    judgement TEXT NOT NULL DEFAULT '{}',
    told INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS groups_commit ON groups("commit");
CREATE INDEX IF NOT EXISTS groups_reference ON groups(reference);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'experiment',
    group_id INTEGER REFERENCES groups(id),
    state TEXT NOT NULL DEFAULT 'queued',
    exit_code INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    intent TEXT NOT NULL DEFAULT '',
    queued_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    device TEXT NOT NULL DEFAULT '',
    device_type TEXT NOT NULL DEFAULT '',
    gpus INTEGER NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 0,
    branch TEXT NOT NULL DEFAULT '',
    "commit" TEXT NOT NULL DEFAULT '',
    reproducible INTEGER NOT NULL DEFAULT 1,
    seed INTEGER,
    budget_time REAL NOT NULL,
    budget_flops REAL,
    command TEXT NOT NULL,
    workdir TEXT NOT NULL DEFAULT '',
    pid INTEGER,
    pid_start INTEGER,
    wall_seconds REAL,
    device_seconds REAL,
    tokens REAL,
    flops REAL,
    params REAL,
    peak_mem_mb REAL,
    metrics TEXT NOT NULL DEFAULT '{}',
    description TEXT NOT NULL DEFAULT '',
    token TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_agent ON jobs(agent);
CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs(agent, gpus, priority DESC, queued_at, id)
    WHERE state = 'queued';
CREATE TABLE IF NOT EXISTS events (
    job INTEGER NOT NULL REFERENCES jobs(id),
    at REAL NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_job ON events(job);
"""


# Columns added since the first schema, for a ledger made before them: (name, definition).
ADDED = (
    ("token", "TEXT NOT NULL DEFAULT ''"),
    ("group_id", "INTEGER REFERENCES groups(id)"),
    # A Slurm job's: its id, its state in Slurm, where it ran, when Slurm took it.
    ("slurm_job", "TEXT NOT NULL DEFAULT ''"),
    ("slurm_state", "TEXT NOT NULL DEFAULT ''"),
    ("partition", "TEXT NOT NULL DEFAULT ''"),
    ("node", "TEXT NOT NULL DEFAULT ''"),
    ("slurm_queued_at", "REAL"),
)


class WriteError(Exception):
    """A change could not be committed (a full disk, an I/O error): none of it was written."""


def on_network_fs(path: Path) -> bool:
    """Whether `path`'s folder is on a network filesystem (Linux: /proc/self/mountinfo)."""
    try:
        target = os.path.realpath(path.parent)
        best, fstype = "", ""
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            mount = left.split()[4]
            if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(
                mount
            ) >= len(best):
                best, fstype = mount, right.split()[0]
        return fstype in ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "lustre")
    except (OSError, IndexError):
        return False


class Ledger(Groups, Promotions, Ablations):
    """The org's ledger at `path` (created if missing)."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        if readonly:  # `orgtui results` and the other reports: no orgd needed, none written
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.journal = ""
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        if on_network_fs(path):
            log.warning("%s is on a network filesystem: a rollback journal, not WAL", path)
            self.journal = self.db.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        else:
            self.journal = self.db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        self.db.execute(
            "PRAGMA synchronous=NORMAL" if self.journal == "wal" else "PRAGMA synchronous=FULL"
        )
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self.db.executescript(PROMOTIONS)
        self.db.executescript(ABLATIONS)
        have = {r[1] for r in self.db.execute("PRAGMA table_info(jobs)")}
        for name, definition in ADDED:
            if name not in have:
                self.db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {definition}")
        self.db.execute("CREATE INDEX IF NOT EXISTS jobs_group ON jobs(group_id)")
        adopt_old_jobs(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------

    def add(self, check: Callable[[], object] | None = None, **fields: Any) -> int:
        """A new job (queued), a group of one; its id. `check` runs inside the transaction,
        before the rows are written: an exception it raises leaves nothing written."""
        group = {
            "kind": fields.get("kind", "experiment"), "agent": fields["agent"],
            "commit": fields.get("commit", ""), "snapshot": fields.get("commit", ""),
            "budget_time": fields["budget_time"], "budget_flops": fields.get("budget_flops"),
            "description": fields.get("description", ""),
        }  # fmt: skip
        return self.add_group(group, [fields], check)[1][0]

    def update(self, job: int, detail: str = "", **fields: Any) -> None:
        """Change a job (and, when its state changes, note it in `events`), committed."""
        fields = encode_job(fields)
        sets = ", ".join(f'"{k}" = ?' for k in fields)
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*fields.values(), job])
            if "state" in fields:
                self.db.execute(
                    "INSERT INTO events (job, at, state, detail) VALUES (?, ?, ?, ?)",
                    (job, time.time(), fields["state"], detail),
                )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction: committed whole, or rolled back and WriteError (a full disk)."""
        try:
            with self.db:
                yield
        except (sqlite3.OperationalError, OSError) as e:
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.rollback()
            raise WriteError(f"{self.path} could not be written: {e}") from e

    # -- reading ----------------------------------------------------------------------

    def get(self, job: int) -> JobRow | None:
        row = self.db.execute(f"{JOBS} WHERE jobs.id = ?", (job,)).fetchone()
        return None if row is None else JobRow.from_sql(row)

    def jobs(
        self,
        states: Iterable[str] | None = None,
        agent: str | None = None,
        after: int = 0,
        limit: int | None = None,
        newest: bool = False,
        kind: str | None = None,
    ) -> list[JobRow]:
        """Jobs in id order (`newest`: the latest `limit` ones, still in id order)."""
        where: list[str] = ["jobs.id > ?"]
        args: list[object] = [after]
        if states is not None:
            states = list(states)
            where.append(f"jobs.state IN ({', '.join('?' for _ in states)})")
            args += states
        if agent is not None:
            where.append("jobs.agent = ?")
            args.append(agent)
        if kind is not None:
            where.append("jobs.kind = ?")
            args.append(kind)
        sql = f"{JOBS} WHERE {' AND '.join(where)}"
        if newest and limit is not None:
            rows = self.db.execute(
                sql + " ORDER BY jobs.id DESC LIMIT ?", [*args, limit]
            ).fetchall()
            rows.reverse()
        elif limit is not None:
            rows = self.db.execute(sql + " ORDER BY jobs.id LIMIT ?", [*args, limit]).fetchall()
        else:
            rows = self.db.execute(sql + " ORDER BY jobs.id", args).fetchall()
        return [JobRow.from_sql(r) for r in rows]

    def queue(self, per_group: int | None = None, skip: Iterable[int] = ()) -> list[Waiting]:
        """The queued jobs, as the dispatcher needs them, first come first; `skip`: ids left
        out.

        With `per_group` = k, only each (agent, gpus) group's first k by priority and by
        arrival: jobs of one group want the same devices, so no decision over k devices
        starts more than k of them, and it starts the group's first ones. A dispatch then
        costs the same with 10 or 10,000 jobs queued."""
        skip = list(skip)
        where = "state = 'queued'"
        if skip:
            where += f" AND id NOT IN ({', '.join('?' for _ in skip)})"
        columns = 'id, agent, gpus, priority, queued_at, reproducible, "commit"'
        if per_group is None:
            sql = f"SELECT {columns} FROM jobs WHERE {where} ORDER BY queued_at, id"
            return [_waiting(r) for r in self.db.execute(sql, skip)]
        # Each group's first ones through the jobs_waiting index: no sort of the queue.
        found: dict[int, Waiting] = {}
        groups = self.db.execute(f"SELECT DISTINCT agent, gpus FROM jobs WHERE {where}", skip)
        for agent, gpus in groups.fetchall():
            for order in ("priority DESC, queued_at, id", "queued_at, id"):
                sql = (
                    f"SELECT {columns} FROM jobs WHERE {where} AND agent = ? AND gpus = ?"
                    f" ORDER BY {order} LIMIT ?"
                )
                for row in self.db.execute(sql, [*skip, agent, gpus, per_group]):
                    found[row[0]] = _waiting(row)
        return sorted(found.values(), key=lambda w: (w.queued_at, w.id))

    def queued_ids(self) -> list[int]:
        """The queued jobs' ids, first come first."""
        sql = "SELECT id FROM jobs WHERE state = 'queued' ORDER BY queued_at, id"
        return [r[0] for r in self.db.execute(sql)]

    def events(self, job: int) -> list[Event]:
        rows = self.db.execute(
            "SELECT at, state, detail FROM events WHERE job = ? ORDER BY rowid", (job,)
        )
        return [Event(at, JobState(state), detail) for at, state, detail in rows]

    def last_metrics(self, metric: str) -> dict[str, float]:
        """Each agent's latest `ok` value of `metric`."""
        rows = self.db.execute(
            "SELECT agent, json_extract(metrics, '$.\"' || ? || '\"') AS m FROM jobs"
            " WHERE state = 'ok' AND m IS NOT NULL ORDER BY ended_at",
            (metric,),
        )
        return {agent: value for agent, value in rows}


def submitted(path: Path, token: str, wait: float = 2.0) -> int | None:
    """The job a submit named `token` added to the ledger at `path`, or None; WriteError if
    orgd is in the middle of a change for longer than `wait` seconds.

    For a client whose submit was not answered: it takes the ledger's write lock (writing
    nothing) before it reads, so no commit of orgd's is half done, and orgd, which checks
    the client's deadline inside its own transaction, adds nothing once that has passed."""
    db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, timeout=wait)
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            found = db.execute("SELECT id FROM jobs WHERE token = ?", (token,)).fetchone()
        finally:
            db.execute("ROLLBACK")
    except sqlite3.OperationalError as e:
        raise WriteError(f"{path}: {e}") from None
    finally:
        db.close()
    return None if found is None else int(found[0])


def _waiting(row: sqlite3.Row | tuple) -> Waiting:
    job, agent, gpus, priority, queued_at, reproducible, commit = row
    return Waiting(job, agent, gpus, priority, queued_at, bool(reproducible), commit)


def job_json(row: JobRow) -> dict[str, Any]:
    """A job as `orgtui job show --json` prints it (stable keys)."""
    return {
        "id": row.id,
        "agent": row.agent,
        "name": row.name,
        "kind": str(row.kind),
        "group": row.group_id,
        "reference": row.reference,
        "state": str(row.state),
        "exit_code": row.exit_code,
        "reason": row.reason,
        "queued_at": row.queued_at,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "device": row.device,
        "device_type": row.device_type,
        "gpus": row.gpus,
        "branch": row.branch,
        "commit": row.commit,
        "reproducible": row.reproducible,
        "seed": row.seed,
        "budget": {"time": row.budget_time, "flops": row.budget_flops},
        "compute": {k: getattr(row, k) for k in COMPUTE},
        "metrics": dict(row.metrics),
        "command": list(row.command),
        "description": row.description,
        "slurm": None if not row.slurm_job else {
            "job": row.slurm_job, "state": row.slurm_state, "partition": row.partition,
            "node": row.node, "queued_at": row.slurm_queued_at,
        },
    }  # fmt: skip
