"""The progress score read from a real SQLite ledger written as orgd writes it (groups, their
jobs' ends, verdicts, promotions), with known answers; a ledger made before promotions; and
the real `orgtui progress` on an org file whose work dir holds the ledger, with orgd down."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orgtui.judge.progress import score
from orgtui.ledger.progress import history
from orgtui.ledger.store import Ledger

T0 = 1_700_000_000.0
SECONDS = 600.0  # each job's device-seconds


def group(ledger: Ledger, kind: str, at: float, mean: float | None, ended: float,
          device: str = "cpu", **over: object) -> int:  # fmt: skip
    """A group made at `at` of three seeds that end at `ended`: mean - 0.02, mean, mean + 0.02
    (so every group's spread gives σ = 0.02), or failed seeds when `mean` is None."""
    commit = f"{int(at):x}".ljust(40, "0")
    head = {"kind": kind, "agent": "alice", "commit": commit, "snapshot": commit,
            "budget_time": 300.0, "created_at": at, **over}  # fmt: skip
    jobs = [{"agent": "alice", "kind": kind, "budget_time": 300.0, "command": ["train"],
             "commit": commit, "seed": i, "queued_at": at} for i in range(3)]  # fmt: skip
    gid, ids = ledger.add_group(head, jobs)
    for i, job in enumerate(ids):
        ledger.update(job, state="running", started_at=at, device_type=device)
        done = {"ended_at": ended, "device_seconds": SECONDS, "wall_seconds": SECONDS}
        if mean is None:
            ledger.update(job, state="failed", exit_code=1, **done)
        else:
            value = mean + (i - 1) * 0.02
            ledger.update(job, state="ok", exit_code=0, metrics={"val_bpb": value}, **done)
    return gid


def promote(ledger: Ledger, screening: int, verification: int, reference: int, state: str,
            at: float, value: float | None) -> int:  # fmt: skip
    pid = ledger.add_promotion(screening=screening, verification=verification,
                               reference=reference, commit="c" * 40, target="d" * 40,
                               min_delta=0.0, asked_by="chief", created_at=at - 200)  # fmt: skip
    ledger.update_promotion(pid, state=state, value=value, ended_at=at,
                            merge="e" * 40 if state == "promoted" else "")  # fmt: skip
    return pid


def build(ledger: Ledger) -> None:
    """A baseline at 1.0, two screening wins (0.9 and 0.95); the first verified (0.9, promoted
    at t = 400 s), the second rejected at t = 500 s; an `other` group. 21 jobs of 600
    device-seconds."""
    base = group(ledger, "baseline", T0, 1.0, T0 + 60, agent="@baseline")
    win = group(ledger, "experiment", T0 + 100, 0.9, T0 + 200)
    luck = group(ledger, "experiment", T0 + 150, 0.95, T0 + 250)
    for gid in (win, luck):
        ledger.update_group(gid, reference=base, comparison=1, verdict="better",
                            judgement={"verdict": "better"})  # fmt: skip
    check = group(ledger, "verification", T0 + 200, 0.9, T0 + 380)
    fresh = group(ledger, "baseline", T0 + 200, 1.0, T0 + 380, agent="@promote")
    promote(ledger, win, check, fresh, "promoted", T0 + 400, 0.9)
    again = group(ledger, "verification", T0 + 300, 0.96, T0 + 480)
    promote(ledger, luck, again, fresh, "rejected", T0 + 500, None)
    group(ledger, "other", T0 + 250, None, T0 + 300)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "ledger.sqlite"
    with Ledger(path) as ledger:
        build(ledger)
    return path


def test_the_score_of_a_ledger_with_known_answers(path: Path) -> None:
    with Ledger(path, readonly=True) as ledger:
        past = history(ledger, "val_bpb", "minimize")
    assert past.started_at == T0 and past.last_at == T0 + 500
    assert past.start_mean == pytest.approx(1.0) and past.sigma == pytest.approx(0.02)
    found = score(past)
    assert found.horizon == 500.0
    [point] = found.points
    # By t = 400 the baseline, both experiments, the verification, its reference and the
    # `other` group had ended: 18 jobs.
    assert (point.t, point.best, point.promotion) == (400.0, 0.9, 1)
    assert point.device_hours == pytest.approx(18 * SECONDS / 3600)
    s = found.score
    assert s.improvement == pytest.approx(0.1) and s.improvement_sigma == pytest.approx(5.0)
    assert s.auc == pytest.approx(0.1 * 100 / 500)
    assert s.time_to_first_win == 400.0
    assert (s.verified_wins, s.screening_wins, s.false_discoveries) == (1, 2, 1)
    assert s.device_hours_per_win == pytest.approx(21 * SECONDS / 3600)
    # The promotion's fresh reference is a baseline group, counted as verification.
    assert s.compute_share == pytest.approx(
        {"baselines": 3 / 21, "verification": 9 / 21, "experiments": 6 / 21, "other": 3 / 21}
    )


def test_a_horizon_before_the_first_promotion(path: Path) -> None:
    with Ledger(path, readonly=True) as ledger:
        s = score(history(ledger, "val_bpb", "minimize"), horizon=300.0).score
    assert (s.auc, s.improvement, s.time_to_first_win, s.device_hours_per_win) == (
        0.0, 0.0, None, None)  # fmt: skip
    assert (s.verified_wins, s.screening_wins, s.false_discoveries) == (0, 2, 0)


def test_the_start_is_the_first_baseline_with_an_ok_seed_and_its_noise(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        group(ledger, "baseline", T0, None, T0 + 10)  # every seed failed
        group(ledger, "baseline", T0 + 20, 2.0, T0 + 40, device="H100")
        # Noise on another device type is not this baseline's.
        group(ledger, "experiment", T0 + 30, 1.0, T0 + 50, device="cpu")
        past = history(ledger, "val_bpb", "maximize")
        assert past.started_at == T0 and past.start_mean == pytest.approx(2.0)
        assert past.sigma == pytest.approx(0.02)
        found = score(past)
        assert found.score.auc == 0.0 and found.score.improvement_sigma == 0.0
        assert found.score.compute_share["baselines"] == pytest.approx(2 / 3)
        assert history(ledger, "core", "maximize").start_mean is None


def test_a_ledger_made_before_promotions(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("DROP TABLE promotions")
    db.commit()
    db.close()
    with Ledger(path, readonly=True) as ledger:
        s = score(history(ledger, "val_bpb", "minimize")).score
    assert (s.verified_wins, s.false_discoveries, s.screening_wins) == (0, 0, 2)
    assert s.compute_share["verification"] == pytest.approx(6 / 21)


ORG = """
[org]
name = "prog"
repo = "{repo}"
workdir = "work"

[research]
metric = "val_bpb"
goal = "minimize"

[[agent]]
name = "a"
command = ["bash"]
"""


def test_the_cli_reads_the_ledger_with_orgd_down(
    tmp_path: Path, write_org: Callable[[str], Path], path: Path
) -> None:
    org = write_org(ORG)
    orgtui = Path(sys.executable).parent / "orgtui"

    def run(*args: str, status: int = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(orgtui), "progress", str(org), *args], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        assert proc.returncode == status, proc.stderr
        return proc

    data = json.loads(run("--json").stdout)
    assert list(data) == ["metric", "goal", "start", "points", "score"]
    assert (data["metric"], data["goal"]) == ("val_bpb", "minimize")
    assert data["start"]["mean"] == pytest.approx(1.0)
    assert [(p["t"], p["best"], p["promotion"]) for p in data["points"]] == [(400.0, 0.9, 1)]
    assert data["score"]["auc"] == pytest.approx(0.02)
    assert data["score"]["false_discoveries"] == 1
    shorter = json.loads(run("--json", "--horizon", "5m").stdout)["score"]
    assert shorter["verified_wins"] == 0 and shorter["auc"] == 0.0
    shown = run().stdout
    assert "8m 20s from its start" in shown and "6m 40s" in shown and "+5.00 σ" in shown
    assert "false discoveries     1" in shown and "\x1b" not in shown
    assert "1.5" in run("--horizon", "1.5", status=2).stderr
