"""tinychat's train.py, run for real on the CPU: every summary line and its metrics through
the scheduler's parser, the same val_bpb for the same seed and FLOPs budget, a time budget
kept, and the environment's budget and seed used when no flag is given."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from orgtui.scheduler.metrics import MetricParser

TRAIN = Path(__file__).resolve().parents[2] / "orgtui" / "research" / "tinychat" / "train.py"
SUMMARY = ("val_bpb", "training_seconds", "total_tokens", "flops", "num_params", "peak_mem_mb",
           "mfu_percent", "num_steps", "seed")  # fmt: skip
FEW_STEPS = "1.6e10"  # 5 steps of the default model (3.02e9 FLOPs a step)


def train(*args: str, env: dict[str, str] | None = None) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORGTUI_")}
    proc = subprocess.run([sys.executable, str(TRAIN), "--threads", "1", *args], text=True,
                          capture_output=True, env={**clean, **(env or {})}, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def summary(out: str) -> dict[str, str]:
    tail = out.split("---\n", 1)[1]
    return dict(line.split(": ", 1) for line in tail.splitlines())


def test_a_few_steps_print_every_summary_line_and_it_parses() -> None:
    out = train("--flops", FEW_STEPS, "--seed", "3")
    lines = summary(out)
    assert set(SUMMARY) <= set(lines), lines
    assert lines["mfu_percent"] == "n/a" and lines["seed"] == "3" and lines["num_steps"] == "5"
    assert "step 00005/00005 (100.00%) | loss:" in out  # nanochat's step line
    parser = MetricParser({})
    parser.feed(out)
    metrics = parser.close()
    assert 4.0 < metrics["val_bpb"] < 8.5  # a few steps in: below an untrained 8 bits
    assert metrics["total_tokens"] == 5 * 128 * 32 and metrics["num_params"] > 100_000
    assert 0 < metrics["flops"] <= 1.6e10 and metrics["peak_mem_mb"] > 0


def test_the_same_seed_and_flops_give_the_same_result_and_another_seed_does_not() -> None:
    first = summary(train("--flops", FEW_STEPS, "--seed", "7"))["val_bpb"]
    again = summary(train("--flops", FEW_STEPS, "--seed", "7"))["val_bpb"]
    other = summary(train("--flops", FEW_STEPS, "--seed", "8"))["val_bpb"]
    assert first == again and other != first


def test_a_time_budget_is_kept_and_the_environment_gives_the_budget_and_seed() -> None:
    start = time.monotonic()
    lines = summary(train(env={"ORGTUI_TIME_BUDGET": "3", "ORGTUI_SEED": "11"}))
    wall = time.monotonic() - start
    assert 3.0 <= float(lines["training_seconds"]) < 4.5
    assert lines["seed"] == "11" and int(lines["num_steps"]) > 1
    assert wall < 3 + 15  # start-up and the evaluation around it
    flops = summary(train(env={"ORGTUI_FLOPS_BUDGET": FEW_STEPS, "ORGTUI_TIME_BUDGET": "600"}))
    assert flops["num_steps"] == "5"  # a FLOPs budget decides the steps; time only guards


def test_no_budget_is_refused() -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORGTUI_")}
    proc = subprocess.run([sys.executable, str(TRAIN)], capture_output=True, text=True, env=clean)
    assert proc.returncode == 2 and "give a budget" in proc.stderr
