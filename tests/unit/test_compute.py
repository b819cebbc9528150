"""A job's compute as the ledger records it (measured wall and device time, the job's own
tokens, FLOPs and parameters, the larger of the measured and reported peak memory), and the
budgets reaching the training command exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import load_org
from orgtui.daemon.compute import COLUMNS, job_compute, peak_memory
from orgtui.daemon.train import exact_number, train_command
from orgtui.ledger.store import COMPUTE

NANOCHAT = {"total_tokens": 204_800.0, "flops": 1.288549e12, "num_params": 1_966_134.0,
            "peak_mem_mb": 0.0, "val_bpb": 2.187931}  # fmt: skip


def test_the_ledgers_compute_columns_and_nothing_else() -> None:
    got = job_compute(NANOCHAT, {"exit_code": 0, "max_rss_mb": 612.4}, 123.45678, 2)
    assert tuple(got) == COLUMNS == COMPUTE
    assert got == {
        "wall_seconds": 123.457, "device_seconds": 246.914, "tokens": 204_800.0,
        "flops": 1.288549e12, "params": 1_966_134.0,
        "peak_mem_mb": 612.4,  # nanochat's 0.00MiB on a CPU does not hide the measured RSS
    }  # fmt: skip


def test_nothing_reported_nothing_measured() -> None:
    got = job_compute({}, None, 0.0, 1)
    assert got == {"wall_seconds": 0.0, "device_seconds": 0.0, "tokens": None, "flops": None,
                   "params": None, "peak_mem_mb": None}  # fmt: skip
    assert job_compute({}, {"exit_code": 0}, 5.0, 0)["device_seconds"] == 0.0


@pytest.mark.parametrize(
    ("measured", "reported", "expected"),
    [
        (900.0, 45_060.2, 45_060.2),  # on a GPU the device's memory is larger and wins
        (900.0, 0.0, 900.0),  # a reported 0 is no measurement
        (900.0, None, 900.0),
        (None, 512.0, 512.0),  # an older wrapper's status: the job's own figure
        (None, 0.0, None),
        (2_048.5, 1_024.0, 2_048.5),
        ("900", float("nan"), None),  # what is no number is not taken for one
        (True, -3.0, None),
    ],
)
def test_peak_memory_is_the_larger_known_figure(
    measured: object, reported: object, expected: float | None
) -> None:
    assert peak_memory(measured, reported) == expected
    status = None if measured is None else {"max_rss_mb": measured}
    metrics = {} if reported is None else {"peak_mem_mb": reported}
    assert job_compute(metrics, status, 1.0, 1)["peak_mem_mb"] == expected


@pytest.mark.parametrize(
    "value", [1.288549e12, 1.2885490000001e12, 300.0, 90.5, 1e-5, 2.5e18, 1e300, 1 / 3]
)
def test_a_number_is_written_so_that_it_reads_back_exactly(value: float) -> None:
    assert float(exact_number(value)) == value


def test_the_budgets_reach_the_command_at_full_precision(tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    org.write_text(
        '[org]\nname = "t"\nrepo = "."\n[research]\n'
        'train = "python train.py --time={time} --target-flops={flops} --seed={seed}"\n'
        '[[agent]]\nname = "a"\ncommand = "bash"\n'
    )
    argv = train_command(load_org(org), 300.0, 1.288549e12, 7)
    assert argv[2] == "--time=300"  # whole seconds stay whole, for options that take an int
    flops = argv[3].removeprefix("--target-flops=")
    assert float(flops) == 1.288549e12 and f"{1.288549e12:g}" == "1.28855e+12"
    argv = train_command(load_org(org), 299.9375, 1.2885490000001e12, 7)
    assert float(argv[2].removeprefix("--time=")) == 299.9375
    assert float(argv[3].removeprefix("--target-flops=")) == 1.2885490000001e12
