"""One job's run as orgd handles it: how it ended (from the wrapper's status), the line its
agent is told, the environment it starts with, its metrics read as its log grows, and the
org's training command filled for one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import load_org
from orgtui.daemon.job_run import Running, job_env, notice, outcome
from orgtui.daemon.train import train_command
from orgtui.enums import JobState, Outcome
from orgtui.ledger.rows import JobRow
from orgtui.ledger.store import Ledger
from orgtui.protocol.messages import RequestError
from orgtui.scheduler.devices import Device, cpu_slots
from orgtui.scheduler.metrics import MetricParser


@pytest.mark.parametrize(
    ("status", "stopping", "reason", "expected"),
    [
        ({"exit_code": 0}, "", "", (Outcome.OK, 0, "exit 0")),
        ({"exit_code": 3}, "", "", (Outcome.FAILED, 3, "exit 3")),
        ({"exit_code": None, "signal": 9}, "", "", (Outcome.FAILED, None, "killed by signal 9")),
        ({"exit_code": 1, "timed_out": True}, "", "",
         (Outcome.TIMEOUT, 1, "over its time budget (60s + grace)")),
        ({"exit_code": 127, "error": "no such file"}, "", "",
         (Outcome.FAILED, 127, "command did not start: no such file")),
        (None, "", "", (Outcome.LOST, None, "its wrapper is gone and left no status")),
        (None, "", "did not start: no checkout", (Outcome.FAILED, None, "did not start: no checkout")),
        ({"exit_code": -15}, "cancelled:org down", "", (Outcome.CANCELLED, -15, "org down")),
        (None, "lost:GPU gpu1 lost", "", (Outcome.LOST, None, "GPU gpu1 lost")),
    ],
)  # fmt: skip
def test_outcome(
    status: dict | None, stopping: str, reason: str, expected: tuple[Outcome, int | None, str]
) -> None:
    assert outcome(status, stopping, reason, budget=60.0) == expected


def _row(tmp_path: Path, **fields: object) -> JobRow:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        job = ledger.add(agent="a", name="run", kind="experiment", branch="b", commit="c" * 40,
                         seed=7, budget_time=60.0, command=["python", "train.py"],
                         workdir=str(tmp_path))  # fmt: skip
        if fields:
            ledger.update(job, **fields)
        row = ledger.get(job)
    assert row is not None
    return row


def test_notice_names_the_metric_the_compute_and_why_a_job_failed(tmp_path: Path) -> None:
    ok = _row(tmp_path, state=JobState.OK, metrics={"val_bpb": 1.2345678}, wall_seconds=61.4,
              device="cpu0", reason="exit 0")  # fmt: skip
    assert notice(ok, "val_bpb") == (
        f"orgtui: job {ok.id} ok · val_bpb 1.23457 · 61s on cpu0 · (orgtui job show {ok.id})"
    )
    failed = _row(tmp_path, state=JobState.FAILED, reason="exit 1")
    assert notice(failed, "val_bpb") == (
        f"orgtui: job {failed.id} failed · no val_bpb · exit 1 · (orgtui job show {failed.id})"
    )


def test_job_env_over_the_agents_pane_env(tmp_path: Path) -> None:
    row = _row(tmp_path, budget_flops=1e15)
    slot = cpu_slots(2, cores=[0, 1, 2, 3])[1]
    env = job_env(row, [slot], {"ORGTUI_AGENT": "a", "ORGTUI_SEED": "from the pane"})
    assert env["ORGTUI_AGENT"] == "a"
    assert env["ORGTUI_JOB"] == str(row.id)
    assert env["ORGTUI_SEED"] == "7"  # the job's own variables win
    assert env["ORGTUI_TIME_BUDGET"] == "60"
    assert env["ORGTUI_FLOPS_BUDGET"] == "1e+15"
    assert env["CUDA_VISIBLE_DEVICES"] == ""
    assert env["OMP_NUM_THREADS"] == "2"
    gpus = [Device(id=f"gpu{i}", kind="gpu", index=i, name="H100", uuid=f"GPU-{i}") for i in (0, 1)]
    env = job_env(_row(tmp_path), gpus, None)
    assert env["CUDA_VISIBLE_DEVICES"] == "GPU-0,GPU-1"
    assert env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert "ORGTUI_FLOPS_BUDGET" not in env and "OMP_NUM_THREADS" not in env


def test_running_reads_only_what_its_log_added(tmp_path: Path) -> None:
    log = tmp_path / "1.log"
    run = Running("a", ("cpu0",), None, MetricParser({}))
    assert run.read_metrics(log) == {}  # no log yet
    log.write_text("step 1/2 | loss 3.0\n")
    run.read_metrics(log)
    offset = run.offset
    with log.open("a") as f:
        f.write("val_bpb: 1.5\ntraining_seconds: 60\n")
    metrics = run.read_metrics(log, final=True)
    assert metrics["val_bpb"] == 1.5 and metrics["training_seconds"] == 60.0
    assert run.offset > offset


def test_train_command_fills_the_fields_or_says_there_is_none(tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    org.write_text(
        '[org]\nname = "t"\nrepo = "."\n[research]\n'
        'train = "python train.py --time {time} --seed {seed} --flops={flops}"\n'
        '[[agent]]\nname = "a"\ncommand = "bash"\n'
    )
    cfg = load_org(org)
    assert train_command(cfg, 90.0, 1.288549e12, 3) == [
        "python", "train.py", "--time", "90", "--seed", "3", "--flops=1.288549e+12"
    ]  # fmt: skip
    with pytest.raises(RequestError, match=r"uses \{flops\} and this job has no FLOPs budget"):
        train_command(cfg, 90.0, None, 3)
    org.write_text(org.read_text().replace("[research]\n", "").replace("train = ", "# "))
    with pytest.raises(RequestError, match=r"org.toml has no \[research\] train"):
        train_command(load_org(org), 90.0, None, 3)
