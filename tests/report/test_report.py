"""`orgtui report` on a real SQLite ledger written as orgd writes it (groups of two agents,
their jobs' ends, verdicts, promotions): report.md has the figures, the tables and relative
links to its plots, the plots are valid PNG files, and the real CLI writes them with orgd
down."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from orgtui.ledger.store import Ledger
from orgtui.report.data import gather
from orgtui.report.markdown import markdown, write_report

T0 = 1_700_000_000.0
SECONDS = 600.0  # each job's device-seconds


def group(ledger: Ledger, kind: str, agent: str, at: float, mean: float, ended: float,
          description: str = "") -> int:  # fmt: skip
    """A group made at `at` of three seeds that end at `ended`: mean - 0.02, mean, mean + 0.02
    (σ = 0.02 within every group)."""
    commit = f"{int(at):x}".ljust(40, "0")
    head = {"kind": kind, "agent": agent, "commit": commit, "snapshot": commit,
            "budget_time": 300.0, "created_at": at, "description": description}  # fmt: skip
    jobs = [{"agent": agent, "kind": kind, "budget_time": 300.0, "command": ["train"],
             "commit": commit, "seed": i, "queued_at": at} for i in range(3)]  # fmt: skip
    gid, ids = ledger.add_group(head, jobs)
    for i, job in enumerate(ids):
        ledger.update(job, state="running", started_at=at, device_type="cpu")
        ledger.update(job, state="ok", exit_code=0, ended_at=ended, device_seconds=SECONDS,
                      wall_seconds=SECONDS, metrics={"val_bpb": mean + (i - 1) * 0.02})  # fmt: skip
    return gid


def judge(ledger: Ledger, gid: int, reference: int, verdict: str, mean: float,
          reference_mean: float = 1.0) -> None:  # fmt: skip
    judged = {"verdict": verdict, "mean": mean, "reference_mean": reference_mean,
              "delta": mean - reference_mean, "sigma": 0.02,
              "compute_ratio": {"flops": 1.0, "tokens": 1.0, "wall": 1.1,
                                "params": 1.0}}  # fmt: skip
    ledger.update_group(gid, reference=reference, comparison=1, verdict=verdict, judgement=judged)


def build(ledger: Ledger) -> None:
    """A baseline at 1.0; alice's win (0.9, verified and promoted at t = 400 s) and her change
    within noise; bob's lucky win (0.95, rejected at t = 500 s) and his worse change (1.2, a
    description with a pipe)."""
    base = group(ledger, "baseline", "@baseline", T0, 1.0, T0 + 60)
    win = group(ledger, "experiment", "alice", T0 + 100, 0.9, T0 + 200, "lr 0.02")
    luck = group(ledger, "experiment", "bob", T0 + 150, 0.95, T0 + 250, "softcap 30")
    same = group(ledger, "experiment", "alice", T0 + 160, 0.99, T0 + 260, "warmup 10")
    bad = group(ledger, "experiment", "bob", T0 + 170, 1.2, T0 + 270, "width | 2x")
    for gid, verdict, mean in ((win, "better", 0.9), (luck, "better", 0.95),
                               (same, "within_noise", 0.99), (bad, "worse", 1.2)):  # fmt: skip
        judge(ledger, gid, base, verdict, mean)
    check = group(ledger, "verification", "alice", T0 + 200, 0.9, T0 + 380)
    fresh = group(ledger, "baseline", "@promote", T0 + 200, 1.0, T0 + 380)
    pid = ledger.add_promotion(screening=win, verification=check, reference=fresh,
                               commit="c" * 40, target="d" * 40, min_delta=0.0,
                               asked_by="chief", created_at=T0 + 200)  # fmt: skip
    ledger.update_promotion(pid, state="promoted", value=0.9, ended_at=T0 + 400, merge="e" * 40)
    again = group(ledger, "verification", "bob", T0 + 300, 0.97, T0 + 480)
    pid = ledger.add_promotion(screening=luck, verification=again, reference=fresh,
                               commit="f" * 40, target="d" * 40, min_delta=0.0,
                               asked_by="chief", created_at=T0 + 300)  # fmt: skip
    ledger.update_promotion(pid, state="rejected", ended_at=T0 + 500,
                            reason="not confirmed by fresh seeds: within noise")  # fmt: skip


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "ledger.sqlite"
    with Ledger(path) as ledger:
        build(ledger)
    return path


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height, after checking its signature and every chunk's CRC."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    at, chunks = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path}: bad CRC in {kind!r}"
        chunks.append(kind)
        at += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"IDAT" in chunks
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_agents_outcomes(ledger_path: Path) -> None:
    with Ledger(ledger_path, readonly=True) as ledger:
        report = gather(ledger, "r", "val_bpb", "minimize")
    agents = {a.agent: a for a in report.agents}
    assert list(agents) == ["alice", "bob", "@baseline", "@promote"]
    alice, bob = agents["alice"], agents["bob"]
    assert (alice.groups, alice.verified_wins, alice.false_discoveries) == (2, 1, 0)
    assert (bob.groups, bob.verified_wins, bob.false_discoveries) == (2, 0, 1)
    assert alice.verdicts["better"] == 1 and alice.verdicts["within_noise"] == 1
    assert bob.verdicts["better"] == 1 and bob.verdicts["worse"] == 1
    # two experiments and a verification: 9 jobs of 600 s
    assert alice.device_hours == pytest.approx(9 * SECONDS / 3600)
    assert [(s.group, s.t, s.verdict) for s in report.screenings] == [
        (2, 200.0, "better"), (3, 250.0, "better"), (4, 260.0, "within_noise"),
        (5, 270.0, "worse")]  # fmt: skip
    marks = [(m.promotion, m.state, m.t, m.value) for m in report.marks]
    assert marks == [(1, "promoted", 400.0, 0.9), (2, "rejected", 500.0, pytest.approx(0.97))]


def test_report_md_has_the_tables_and_links(ledger_path: Path, tmp_path: Path) -> None:
    with Ledger(ledger_path, readonly=True) as ledger:
        report = gather(ledger, "r", "val_bpb", "minimize")
    out = tmp_path / "out"
    written = write_report(report, out, "its last event")
    text = written.read_text()
    assert written == out / "report.md" and text == markdown(report, "its last event",
                                                             now=_written_at(text))  # fmt: skip
    assert text.startswith("# Report: org r\n")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["progress.png", "agents.png"]  # relative, beside report.md
    for name in links:
        width, height = png_size(out / name)
        assert width >= 600 and height >= 200
    assert "| improvement | +0.1 val_bpb (+5.00 σ) |" in text
    assert "| auc (mean improvement over the horizon) | +0.02 val_bpb |" in text
    assert "| time to first win | 6m 40s |" in text and "| false discoveries | 1 |" in text
    assert "| 6m 40s | 3.5 | 0.9 | 1 |" in text  # the verified point: 21 jobs by then
    assert "| 2 | 3 | bob: softcap 30 | rejected | - | chief | - | not confirmed" in text
    assert "| alice | 2 | 1 | 1 | 0 | 0 | 0 | 0 | 1 | 0 | 1.5 |" in text
    # the verdict table: every group, its change's pipe escaped, better in bold
    assert "| 5 | bob | experiment | width \\| 2x | 3/3 | 1.2 | 1 | +0.2 | +10.00 | worse |" in text
    assert "| **better** |" in text and "| 1.10x |" in text
    assert text.count("\n| ") >= 9 + 4 + 2 + 4 + 9
    # every table row has as many cells as its header
    for table in re.findall(r"((?:^\|.*\|\n)+)", text, flags=re.M):
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(widths) == 1, table


def test_the_ablation_table(ledger_path: Path, tmp_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        gain = group(ledger, "experiment", "alice", T0 + 600, 1.0, T0 + 700, "revert lr")
        judge(ledger, gain, 2, "worse", 1.0, reference_mean=0.9)
        rider = group(ledger, "experiment", "alice", T0 + 600, 0.9, T0 + 700, "revert note")
        judge(ledger, rider, 2, "within_noise", 0.9, reference_mean=0.9)
        ledger.add_ablation(2, "alice", [
            {"part": "a" * 40, "subject": "lr 0.02", "code": "1" * 40, "group": gain},
            {"part": "b" * 40, "subject": "a note", "code": "2" * 40, "group": rider},
            {"part": "c" * 40, "subject": "tidy | up", "conflicts": ["train.py", "x.py"]},
            {"part": "", "subject": "uncommitted edits", "code": "3" * 40, "group": None},
        ])  # fmt: skip
    with Ledger(ledger_path, readonly=True) as ledger:
        report = gather(ledger, "r", "val_bpb", "minimize")
    text = markdown(report, "its last event")
    section = text[text.index("## Ablations\n") :]
    assert "### Group 2 (alice: lr 0.02)" in section
    assert "| `aaaaaaaa` | lr 0.02 | 9 | worse | +0.1 | +5.00 | carries the gain |" in section
    assert "| `bbbbbbbb` | a note | 10 | within_noise | +0 | +0.00 | passenger |" in section
    assert ("| `cccccccc` | tidy \\| up | - | - | - | - | does not revert: conflicts in "
            "train.py, x.py |") in section  # fmt: skip
    assert "| - | uncommitted edits | - | - | - | - | pending |" in section


def test_no_ablation_no_section(ledger_path: Path) -> None:
    with Ledger(ledger_path, readonly=True) as ledger:
        assert "## Ablations" not in markdown(gather(ledger, "r", "val_bpb", "minimize"), "x")


def _written_at(text: str) -> float:
    import time

    stamp = re.search(r"written (\d{4}-\d\d-\d\d \d\d:\d\d)", text)
    assert stamp
    return time.mktime(time.strptime(stamp.group(1), "%Y-%m-%d %H:%M"))


def test_an_empty_ledger_still_gives_a_report(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        report = gather(ledger, "empty", "val_bpb", "minimize")
        written = write_report(report, tmp_path / "out", "its last event")
    text = written.read_text()
    assert "no baseline with an ok seed yet" in text and text.count("No groups yet.") == 2
    for name in ("progress.png", "agents.png"):
        png_size(tmp_path / "out" / name)


ORG = """
[org]
name = "rep"
repo = "{repo}"
workdir = "work"

[research]
metric = "val_bpb"

[[agent]]
name = "a"
command = ["bash"]
"""


def test_the_cli_writes_the_report_with_orgd_down(
    tmp_path: Path, write_org: Callable[[str], Path], ledger_path: Path
) -> None:
    org = write_org(ORG)
    out = tmp_path / "report"
    args = ["report", str(org), "--out", str(out), "--horizon", "5m"]
    proc = subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"wrote {out / 'report.md'} (8 groups, 2 promotions)\n"
    text = (out / "report.md").read_text()
    # the org file's agent first, though it made no group
    assert "| a | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n| alice | 2 |" in text
    assert "the score counts 5m from its start to --horizon" in text
    assert "| verified wins | 0 |" in text  # the promotion came at 6m 40s
    png_size(out / "progress.png")
    bad = subprocess.run([sys.executable, "-m", "orgtui", "report", str(org), "--out",
                          str(out / "report.md")], capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and "not a folder" in bad.stderr
