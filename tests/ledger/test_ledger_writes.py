"""Writing the ledger when things go wrong, on real SQLite: a job is added with its commit in
one transaction, only while its submitter waits (checked under the write lock); a client
finds its submit by its token; an older ledger gains the token column; a full disk is a
WriteError, and orgd's job writes (daemon/job_writes.py) wait and land once space returns."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.daemon.job_writes import JobWrites
from orgtui.ledger.store import SCHEMA, Ledger, WriteError, submitted
from tests.helpers import fill_disk
from tests.helpers import small_disk as mounted

FIELDS = {"agent": "alice", "name": "softcap", "budget_time": 300.0, "command": ["true"],
          "commit": "0123456789abcdef0123456789abcdef01234567"}  # fmt: skip


class Gone(Exception):
    pass


def test_a_job_is_added_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    seen: list[str] = []

    def check() -> None:  # runs holding the write lock: nobody else writes meanwhile
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        seen.append("checked")

    job = ledger.add(check=check, token="t-1", **FIELDS)
    assert seen == ["checked"]
    row = ledger.get(job)
    assert row is not None and row.commit == FIELDS["commit"] and row.token == "t-1"
    assert [e.state for e in ledger.events(job)] == ["queued"]

    def client_gone() -> None:
        raise Gone("its client went away")

    with pytest.raises(Gone):
        ledger.add(check=client_gone, token="t-2", **FIELDS)
    assert [r.id for r in ledger.jobs()] == [job]  # no row, no event
    assert other.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1
    assert ledger.add(**FIELDS) == job + 1  # and nothing half done is in the way
    other.close()
    ledger.close()


def test_a_client_finds_its_submit_by_token_once_no_write_is_in_flight(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path)
    job = ledger.add(token="abc123", **FIELDS)
    assert submitted(path, "abc123") == job
    assert submitted(path, "never-sent") is None
    ledger.db.execute("BEGIN IMMEDIATE")  # orgd in the middle of a change
    try:
        with pytest.raises(WriteError):
            submitted(path, "abc123", wait=0.1)
    finally:
        ledger.db.execute("ROLLBACK")
    ledger.close()


def test_a_ledger_from_before_tokens_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA.replace(",\n    token TEXT NOT NULL DEFAULT ''", ""))
    old.execute("INSERT INTO jobs (agent, queued_at, budget_time, command) "
                "VALUES ('bob', 1.0, 60.0, '[\"true\"]')")  # fmt: skip
    old.commit()
    old.close()
    ledger = Ledger(path)
    assert ledger.get(1).token == ""
    assert ledger.get(ledger.add(token="t", **FIELDS)).token == "t"
    ledger.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs."""
    with mounted(tmp_path / "small") as path:
        yield path


def test_a_full_disk_keeps_a_jobs_end_until_space_returns(small_disk: Path) -> None:
    ledger = Ledger(small_disk / "ledger.sqlite")
    job = ledger.add(**FIELDS)
    ledger.update(job, state="running", started_at=1.0)
    writes = JobWrites(ledger, small_disk)
    assert writes.error() is None and writes.check() == []
    filler = small_disk / "filler"
    fill_disk(filler)
    big = {"metrics": {f"m{i}": float(i) for i in range(2000)}}  # more than the WAL has room
    with pytest.raises(WriteError, match="full"):
        ledger.update(job, **big)
    assert ledger.get(job).state == "running"  # nothing of it was written
    assert not writes.write(job, "exit 0", ends=True, state="ok", exit_code=0, **big)
    assert not writes.write(job, reason="a later change, kept in order")
    assert writes.blocked and writes.check() == []
    error = writes.error()
    assert error and "no space left" in error and "2 change(s) of jobs (1 end(s))" in error
    assert ledger.get(job).state == "running"
    filler.unlink()
    assert writes.check() == [job]  # its end landed: its agent may be told
    row = ledger.get(job)
    assert (row.state, row.exit_code, row.reason) == ("ok", 0, "a later change, kept in order")
    assert len(row.metrics) == 2000
    assert writes.error() is None and not writes.blocked
    assert writes.write(job, description="lands at once")
    ledger.close()
