"""The results ledger on real SQLite: jobs and their history, the stable JSON, WAL, a reader
beside the writer (the results table and TSV: test_results.py)."""

from __future__ import annotations

from pathlib import Path

from orgtui.ledger.store import Ledger, job_json


def job(ledger: Ledger, **over) -> int:
    fields = {"agent": "alice", "name": "softcap 15", "budget_time": 300.0,
              "command": ["python", "train.py"], "branch": "program/x--alice",
              "commit": "0123456789abcdef", "seed": 1}  # fmt: skip
    return ledger.add(**{**fields, **over})


def test_a_job_through_its_states(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    assert ledger.journal == "wal"
    j = job(ledger)
    ledger.update(j, state="running", started_at=1000.0, device="cpu0", device_type="cpu", pid=42)
    ledger.update(j, "exit 0", state="ok", exit_code=0, ended_at=1300.0, wall_seconds=300.0,
                  metrics={"val_bpb": 0.9979, "total_tokens": 5e8})  # fmt: skip
    data = job_json(ledger.get(j))
    assert data["state"] == "ok" and data["metrics"] == {"val_bpb": 0.9979, "total_tokens": 5e8}
    assert data["budget"] == {"time": 300.0, "flops": None}
    assert data["compute"]["wall_seconds"] == 300.0 and data["reproducible"] is True
    assert set(data) >= {"id", "agent", "name", "kind", "group", "reference", "state", "exit_code",
                         "queued_at", "started_at", "ended_at", "device", "branch", "commit",
                         "reproducible", "seed", "budget", "compute", "metrics"}  # fmt: skip
    assert [e.state for e in ledger.events(j)] == ["queued", "running", "ok"]
    ledger.close()
    # It is all still there for the next orgd.
    again = Ledger(tmp_path / "ledger.sqlite")
    assert job_json(again.get(j)) == data


def test_a_reader_beside_the_writer_sees_what_was_committed(tmp_path: Path) -> None:
    writer = Ledger(tmp_path / "ledger.sqlite")
    reader = Ledger(tmp_path / "ledger.sqlite", readonly=True)
    j = job(writer)
    assert reader.get(j).state == "queued"
    writer.update(j, state="running")
    assert reader.get(j).state == "running"
    assert [r.id for r in reader.jobs(states=["running"])] == [j]
    assert reader.jobs(agent="bob") == []


def test_a_metric_that_is_not_finite_is_not_written(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    j = job(ledger)
    ledger.update(j, metrics={"val_bpb": float("nan"), "loss": float("inf"), "step": 3.0})
    assert ledger.get(j).metrics == {"step": 3.0}
    assert ledger.last_metrics("step") == {}  # json_extract reads the row (none are ok)
