"""Metrics parsed from real-format logs of nanochat and autoresearch (a whole nanochat run in
tests/data), and the org's own regexes, into the ledger's canonical names and units."""

from __future__ import annotations

import time
from pathlib import Path

from orgtui.scheduler.metrics import MetricParser, parse_log

NANOCHAT = """\
\x1b[1mModel config:\x1b[0m {"sequence_len": 2048, "n_layer": 20}
Number of parameters: 560,988,160
step 00000/21400 (0.00%) | loss: 11.090355 | lrm: 1.00 | dt: 25154.26ms | tok/sec: 20,842 | mfu: 0.62 | total time: 0.00m
Step 00000 | Validation bpb: 3.331546
step 00010/21400 (0.05%) | loss: 8.308383 | lrm: 0.28 | dt: 138.48ms | tok/sec: 14,789 | bf16_mfu: 0.00 | total time: 0.02m
\x1b[32mStep 00250 | Validation bpb: 1.856866\x1b[0m
<|bos|>The capital of France is Paris. The chemical symbol of gold is Au.
<|bos|>If yesterday was Friday, then tomorrow will be: 1.5
Step 02000 | CORE metric: 0.2103
step 21399/21400 (100.00%) | loss: 2.751213 | lrm: 0.01 | dt: 140.12ms | tok/sec: 1,148,210 | bf16_mfu: 48.31 | total time: 211.40m
Step 21400 | Validation bpb: 0.812004
Minimum validation bpb: 0.811993
Step 21400 | Validation bpb: 0.812111
Total training time: 211.40m
"""

AUTORESEARCH = """\
step 00953 (100.0%) | loss: 3.012 | lrm: 0.00 | dt: 315ms | tok/sec: 1,585,000 | mfu: 39.8 | epoch: 1 | remaining: 0s
---
val_bpb:          0.997900
training_seconds: 300.1
total_seconds:    325.9
peak_vram_mb:     45060.2
mfu_percent:      39.80
total_tokens_M:   499.6
num_steps:        953
num_params_M:     50.3
depth:            8
"""


def test_nanochat() -> None:
    m = parse_log(NANOCHAT)
    assert m["val_bpb"] == 0.811993  # the minimum it reports, not a later validation line
    assert m["core"] == 0.2103
    assert m["step"] == 21399 and m["loss"] == 2.751213
    assert m["mfu_percent"] == 48.31 and m["num_params"] == 560_988_160
    assert m["tok_per_sec"] == (20_842 + 14_789 + 1_148_210) / 3  # the steps' mean
    assert m["training_seconds"] == 211.40 * 60


def test_nanochat_while_it_runs() -> None:
    p = MetricParser()
    head, _, _ = NANOCHAT.partition("<|bos|>")
    p.feed(head[:200])
    p.feed(head[200:])
    assert p.metrics["val_bpb"] == 1.856866 and p.metrics["step"] == 10
    assert p.metrics["tok_per_sec"] == (20_842 + 14_789) / 2


def test_autoresearch_summary_in_canonical_units() -> None:
    m = parse_log(AUTORESEARCH)
    assert m["val_bpb"] == 0.9979
    assert m["total_tokens"] == 499.6e6 and m["num_params"] == 50.3e6
    assert m["peak_mem_mb"] == 45060.2 and m["mfu_percent"] == 39.8
    assert m["training_seconds"] == 300.1 and m["num_steps"] == 953


def test_the_orgs_own_regexes_and_a_line_cut_in_two() -> None:
    p = MetricParser({"core": r"CORE metric: ([0-9.]+)", "acc": r"accuracy=([0-9.]+)%"})
    p.feed("eval accuracy=81.")
    assert "acc" not in p.metrics
    p.feed("5% done\nstep 1/2 | loss: 2.0\n")
    assert p.metrics["acc"] == 81.5 and p.metrics["loss"] == 2.0
    p.feed("accuracy=90.0%")  # no newline yet: read at close
    assert p.close()["acc"] == 90.0


def test_an_orgs_pattern_cannot_stall_the_parser() -> None:
    """Python's re takes minutes on this line (each extra "a" doubles it); RE2 is linear."""
    p = MetricParser({"slow": r"^(a+)+x: ([0-9]+)$"})
    start = time.monotonic()
    p.feed("a" * 50_000 + "!\n")
    assert time.monotonic() - start < 2.0 and "slow" not in p.metrics


def test_noise_is_ignored() -> None:
    assert parse_log("hello: world\nloss: nan?\n\x1b[2K\r[#####     ] 50%\n") == {}


SAMPLE = Path(__file__).parent.parent / "data" / "nanochat_base_train.log"


def test_a_nanochat_log_fills_every_compute_field() -> None:
    """A short CPU run of nanochat's scripts/base_train.py, in the format it prints."""
    text = SAMPLE.read_text()
    m = parse_log(text)
    rates = [float(line.split("tok/sec: ")[1].split(" |")[0].replace(",", ""))
             for line in text.splitlines() if line.startswith("step ")]  # fmt: skip
    assert len(rates) == 50 and m["step"] == 49
    assert m["total_tokens"] == 204_800 and m["flops"] == 1.288549e12
    assert m["num_params"] == 1_966_134  # the block's `total`, none of its other lines
    assert not {"wte", "lm_head", "scalars", "total"} & m.keys()
    assert m["peak_mem_mb"] == 0.0 and m["training_seconds"] == 109.2
    assert m["num_steps"] == 50
    assert m["tok_per_sec"] == sum(rates) / len(rates) != rates[-1]  # the run's mean
    assert m["val_bpb"] == 2.187931


def test_nanochat_compute_lines_in_other_units_and_spellings() -> None:
    m = parse_log(
        "Number of parameters: 560,988,160 (scaling: 500,000,000)\n"
        "Calculated number of iterations from target data:param ratio: 21,400\n"
        "Peak memory usage: 1.5GiB\n"
        "Total training time: 2h\n"
    )
    assert m == {"num_params": 560_988_160, "num_steps": 21_400, "peak_mem_mb": 1536.0,
                 "training_seconds": 7200.0}  # fmt: skip
    m = parse_log("Using user-provided number of iterations: 5,000\nTotal training time: 42.5s\n")
    assert m == {"num_steps": 5000, "training_seconds": 42.5}


def test_a_parameter_block_ends_at_a_line_not_its_own() -> None:
    """Only the block's `total` is a parameter count; a `total:` elsewhere is not."""
    m = parse_log("Parameter counts:\nwte : 10\nEstimated FLOPs per token: 1e6\ntotal : 99\n")
    assert "num_params" not in m


def test_a_summary_tok_per_sec_wins_over_the_step_lines_mean() -> None:
    p = MetricParser()
    p.feed("step 1/3 | tok/sec: 100\nstep 2/3 | tok/sec: 300\n")
    assert p.metrics["tok_per_sec"] == 200
    p.feed("tok_per_sec: 250\nstep 3/3 | tok/sec: 900\n")
    assert p.close()["tok_per_sec"] == 250


def test_a_number_too_large_for_a_float_is_no_metric() -> None:
    metrics = parse_log("val_bpb: 1e999\nflops: 2e12\nstep 00001/00002 (50.00%) | loss: 1e400\n")
    assert metrics == {"flops": 2e12, "step": 1.0}
