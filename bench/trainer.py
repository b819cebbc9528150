"""The tinychat trainer's figures beside their targets (issue: the built-in research task).

    .venv/bin/python bench/trainer.py [--seconds 60] [--flops 5e11]

With the shipped train.py (orgtui/research/tinychat/), on this machine's CPU:
  1. one run alone on one core for --seconds of training: its val_bpb beside the untrained
     8 bits and the target 2.5, and its tokens per second;
  2. three seeds of the same configuration at the demo's FLOPs budget (--flops), run two at
     a time on one core each: their val_bpb and spread, the noise a win must beat;
  3. the first seed again: the same val_bpb to the last digit (determinism).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.scheduler.metrics import MetricParser  # noqa: E402

TRAIN = ROOT / "orgtui" / "research" / "tinychat" / "train.py"


def run(*args: str) -> dict[str, float]:
    """train.py's summary, read as the scheduler reads a job's log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORGTUI_")}
    out = subprocess.run(
        [sys.executable, str(TRAIN), "--threads", "1", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    parser = MetricParser()
    parser.feed(out)
    return parser.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--flops", default="5e11")
    args = parser.parse_args()

    alone = run("--time", str(args.seconds), "--seed", "0")
    bpb = alone["val_bpb"]
    print(f"train.py --time {args.seconds:g} --threads 1, alone:")
    print(f"  val_bpb {bpb:.4f}   (untrained: 8 bits; target: 2.5 or lower: "
          f"{'met' if bpb <= 2.5 else 'NOT met'})")  # fmt: skip
    print(f"  {alone['num_steps']:.0f} steps, {alone['tok_per_sec']:,.0f} tokens/s on one core, "
          f"{alone['num_params']:,.0f} parameters")  # fmt: skip

    with ThreadPoolExecutor(2) as pool:
        seeds = list(pool.map(lambda s: run("--flops", args.flops, "--seed", str(s)), (1, 2, 3)))
    values = [s["val_bpb"] for s in seeds]
    again = run("--flops", args.flops, "--seed", "1")
    print(f"\nthree seeds at --flops {args.flops} ({seeds[0]['num_steps']:.0f} steps, "
          f"{seeds[0]['training_seconds']:.0f} s of training each, two at a time):")  # fmt: skip
    print("  val_bpb " + ", ".join(f"{v:.4f}" for v in values))
    print(f"  mean {statistics.mean(values):.4f}, spread (max - min) {max(values) - min(values):.4f}"
          "   (a win must beat the mean by more than the spread)")  # fmt: skip
    same = again["val_bpb"] == seeds[0]["val_bpb"]
    print(f"  seed 1 again: {again['val_bpb']:.6f} against {seeds[0]['val_bpb']:.6f}: "
          f"{'the same' if same else 'DIFFERENT'}  (target: the same)")  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
