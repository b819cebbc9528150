"""`orgtui results` on real SQLite: one row per group with its mean, reference, Δ, Δ/σ, verdict
and flags; the TSV's first five columns (autoresearch's), the JSON's keys, colour only when
asked for, and the real CLI on an org file whose work dir holds the ledger."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orgtui.cli.results import colored
from orgtui.judge.verdict import Verdict
from orgtui.ledger.results import OldLedger, as_json, results, table, tsv
from orgtui.ledger.store import Ledger

COMMIT = "0123456789abcdef0123456789abcdef01234567"
KEYS = {"id", "agent", "kind", "description", "commit", "seeds", "ok", "mean", "reference",
        "reference_mean", "delta", "sigma", "delta_sigma", "verdict", "status", "flags",
        "compute_ratio", "memory_gb", "reason"}  # fmt: skip


def group(ledger: Ledger, kind: str, runs: list[tuple[str, float | None]], **over: Any) -> int:
    """A group of seeds, one per (state, val_bpb) in `runs`; its id."""
    head = {"kind": kind, "agent": "alice", "commit": COMMIT, "snapshot": COMMIT,
            "budget_time": 300.0, "description": f"{kind} of the head", **over}  # fmt: skip
    jobs = [
        {"agent": head["agent"], "name": f"seed {i}", "kind": kind, "budget_time": 300.0,
         "command": ["python", "train.py"], "commit": COMMIT, "seed": i, "state": state,
         "metrics": {} if value is None else {"val_bpb": value}, "peak_mem_mb": 45060.2 + i}
        for i, (state, value) in enumerate(runs)
    ]  # fmt: skip
    return ledger.add_group(head, jobs)[0]


def judged(ledger: Ledger, gid: int, reference: int, verdict: Verdict) -> None:
    ledger.update_group(gid, reference=reference, comparison=1, verdict=verdict.verdict,
                        judgement=verdict.to_json())  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """A baseline (one seed failed), a better change, an invalid one (a seed failed), one
    still running, and an `other` job."""
    ledger = Ledger(tmp_path / "ledger.sqlite")
    base = group(ledger, "baseline", [("ok", 1.0), ("ok", 1.02), ("failed", None)],
                 agent="@baseline", description="baseline\tof main")  # fmt: skip
    win = group(ledger, "experiment", [("ok", 0.9), ("ok", 0.92), ("ok", 0.91)], agent="bob",
                description="softcap 15")  # fmt: skip
    judged(ledger, win, base, Verdict(
        "better", "val_bpb", "minimize", mean=0.91, reference_mean=1.01, delta=-0.1,
        ci=(-0.13, -0.07), sigma=0.02, df=12, comparisons="1/20",
        compute_ratio={"flops": 1.0, "tokens": 1.0, "wall": 1.02, "params": 1.25},
        flags=("more_params",), reason="val_bpb 0.9100 vs 1.0100: better"))  # fmt: skip
    bad = group(ledger, "experiment", [("ok", 0.95), ("timeout", None), ("ok", 0.97)],
                description="lr 0.1")  # fmt: skip
    judged(ledger, bad, base, Verdict("invalid", "val_bpb", "minimize",
                                      reason="a seed failed: job 8 timeout"))  # fmt: skip
    group(ledger, "experiment", [("ok", 0.99), ("running", None), ("queued", None)],
          description="deeper")  # fmt: skip
    group(ledger, "other", [("ok", None)], description="")
    return ledger


def test_one_row_per_group_with_its_verdict(ledger: Ledger) -> None:
    rows = results(ledger, "val_bpb")
    assert [(r.id, r.kind, r.status) for r in rows] == [
        (1, "baseline", "baseline"), (2, "experiment", "better"), (3, "experiment", "invalid"),
        (4, "experiment", "pending"), (5, "other", "other"),
    ]  # fmt: skip
    base, win, bad, running, other = rows
    assert (base.seeds, base.ok, base.verdict, base.reference) == (3, 2, None, None)
    assert base.mean == pytest.approx(1.01) and base.memory_gb == 44.0
    assert (win.mean, win.reference, win.delta, win.flags) == (0.91, 1, -0.1, ("more_params",))
    assert win.delta_sigma == pytest.approx(-5.0) and win.compute_ratio["params"] == 1.25
    # Failed seeds: the mean of the ok ones, no Δ.
    assert bad.mean == pytest.approx(0.96) and bad.delta is None and bad.delta_sigma is None
    assert running.verdict is None and running.mean == 0.99
    assert (running.ok, running.seeds) == (1, 3)
    assert other.mean is None and other.description == "seed 0"  # a job's name, none given


def test_tsv_has_autoresearchs_columns_first(ledger: Ledger) -> None:
    lines = [line.split("\t") for line in tsv(ledger, "val_bpb").splitlines()]
    assert lines[0][:5] == ["commit", "val_bpb", "memory_gb", "status", "description"]
    assert [line[:5] for line in lines[1:]] == [
        ["0123456", "1.01", "44.0", "baseline", "baseline of main"],
        ["0123456", "0.91", "44.0", "better", "softcap 15"],
        ["0123456", "0.96", "44.0", "invalid", "lr 0.1"],
        ["0123456", "0.99", "44.0", "pending", "deeper"],
        ["0123456", "", "44.0", "other", "seed 0"],
    ]  # fmt: skip
    win = dict(zip(lines[0], lines[2], strict=True))
    picked = ("id", "reference", "delta", "delta_sigma", "seeds", "ok", "flags", "params_ratio")
    assert [win[k] for k in picked] == ["2", "1", "-0.1", "-5", "3", "3", "more_params", "1.25"]
    assert all(len(line) == len(lines[0]) for line in lines)


def test_a_judged_group_whose_seeds_failed_is_invalid_before_orgd_judges_it(
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    group(ledger, "experiment", [("failed", None), ("ok", 1.0)])
    group(ledger, "baseline", [("cancelled", None), ("failed", None)])
    group(ledger, "experiment", [("ok", 1.0)])
    assert [r.status for r in results(ledger, "val_bpb")] == ["invalid", "invalid", "pending"]


def test_json_keys(ledger: Ledger) -> None:
    data = json.loads(as_json(ledger, "val_bpb"))
    assert [d["id"] for d in data] == [1, 2, 3, 4, 5]
    assert all(set(d) == KEYS for d in data)
    win = data[1]
    assert win["verdict"] == "better" and win["commit"] == COMMIT and win["reference"] == 1
    assert win["compute_ratio"] == {"flops": 1.0, "tokens": 1.0, "wall": 1.02, "params": 1.25}
    assert win["delta_sigma"] == pytest.approx(-5.0) and win["flags"] == ["more_params"]
    assert data[0]["verdict"] is None and data[0]["status"] == "baseline"
    assert data[0]["compute_ratio"] == {"flops": None, "tokens": None, "wall": None, "params": None}
    assert data[2]["reason"] == "a seed failed: job 8 timeout"


def test_the_table_colours_verdicts_only_when_asked(ledger: Ledger) -> None:
    plain = table(ledger, "val_bpb")
    assert "\x1b" not in plain
    head, *rows = plain.splitlines()
    assert head.split()[:8] == ["ID", "AGENT", "KIND", "CHANGE", "SEEDS", "VAL_BPB", "REF", "Δ"]
    assert rows[1].split()[:11] == ["2", "bob", "experiment", "softcap", "15", "3/3", "0.91", "1",
                                    "-0.1", "-5.00", "better"]  # fmt: skip
    assert "2/3" in rows[0] and "1.25x" in rows[1] and "more_params" in rows[1]
    shown = table(ledger, "val_bpb", color=True)
    assert "\x1b[32mbetter" in shown and "\x1b[35minvalid" in shown
    assert "\x1b[90mpending" in shown and shown.count("\x1b[0m") == 3
    # Colour codes take no room: the lines strip to the plain table.
    assert shown.replace("\x1b[32m", "").replace("\x1b[35m", "").replace("\x1b[90m", "").replace(
        "\x1b[0m", "") == plain  # fmt: skip


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not colored()  # pytest's captured stdout is no terminal
    monkeypatch.setattr(sys, "stdout", Tty())
    assert colored()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colored()


def test_a_ledger_made_before_groups_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, metrics TEXT)")
    db.close()
    with Ledger(path, readonly=True) as ledger, pytest.raises(OldLedger, match="before groups"):
        results(ledger, "val_bpb")


ORG = """
[org]
name = "res"
repo = "{repo}"
workdir = "work"

[[agent]]
name = "a"
command = ["bash"]
"""


def test_the_cli_reads_the_ledger_with_orgd_down(
    tmp_path: Path, write_org: Callable[[str], Path], ledger: Ledger
) -> None:
    org = write_org(ORG)
    (tmp_path / "work").mkdir()
    ledger.close()
    (tmp_path / "ledger.sqlite").rename(tmp_path / "work" / "ledger.sqlite")
    orgtui = Path(sys.executable).parent / "orgtui"

    def run(*args: str) -> str:
        proc = subprocess.run([str(orgtui), "results", str(org), *args], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    lines = run("--tsv").splitlines()
    assert lines[0].startswith("commit\tval_bpb\tmemory_gb\tstatus\tdescription\tid\t")
    assert lines[2].split("\t")[:5] == ["0123456", "0.91", "44.0", "better", "softcap 15"]
    shown = run()  # piped: no colour
    assert "better" in shown and "\x1b" not in shown and len(shown.splitlines()) == 6
    assert [d["verdict"] for d in json.loads(run("--json"))] == [
        None, "better", "invalid", None, None]  # fmt: skip
