"""Real tinychat runs at the demo's FLOPs budget, recorded for the integrity benchmark and the
judge's tests: `bench/data/tinychat-5e11.jsonl`, one JSON line per run.

    .venv/bin/python bench/tinychat_runs.py [--jobs 2] [--plan default]

Each run is train.py (the shipped one, `orgtui/research/tinychat/`) on one core with one
knob changed (or none: `change` is "" for the program as shipped), a seed, and the demo's
budget (`--flops 5e11`); its line holds the change, the seed and the summary as the
scheduler parses it (val_bpb, flops, total_tokens, num_params, num_steps, training_seconds).
Runs already in the file are not run again, so the recorder can be stopped and resumed.

The plan: 30 seeds of the program as shipped (the null pool the simulation resamples);
nulls that change the run but not the model (a knob moved in its last digits), 9 seeds
each; changes that may help or hurt, 6 seeds each; both learning rates 0 (nothing learns).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.research.knobs import set_knob  # noqa: E402
from orgtui.scheduler.metrics import parse_log  # noqa: E402

TRAIN = ROOT / "orgtui" / "research" / "tinychat" / "train.py"
DATA = ROOT / "bench" / "data" / "tinychat-5e11.jsonl"
FLOPS = 5e11
KEEP = ("val_bpb", "flops", "total_tokens", "num_params", "num_steps", "training_seconds")

NULLS = ("softcap=14.9999", "muon_lr=0.0199999", "lr=0.0099999", "cooldown=0.29999",
         "weight_decay=1e-12")  # fmt: skip
CHANGES = ("muon_lr=0.03", "lr=0.02", "warmup_steps=10", "cooldown=0.5", "softcap=0",
           "n_embd=96")  # fmt: skip
HARM = "lr=0,muon_lr=0"


def plan() -> list[tuple[str, int]]:
    runs = [("", 1000 + i) for i in range(30)]
    runs += [(c, 2000 + i) for c in NULLS for i in range(9)]
    runs += [(c, 3000 + i) for c in CHANGES for i in range(6)]
    runs += [(HARM, 4000 + i) for i in range(3)]
    return runs


def train_py(change: str) -> str:
    text = TRAIN.read_text()
    for part in filter(None, change.split(",")):
        name, _, value = part.partition("=")
        text = set_knob(text, name, value)
    return text


def run(change: str, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "train.py"
        script.write_text(train_py(change))
        (Path(tmp) / "data").symlink_to(TRAIN.parent / "data")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORGTUI_")}
        env["OMP_NUM_THREADS"] = "1"
        out = subprocess.run(
            [sys.executable, str(script), "--threads", "1", "--flops", f"{FLOPS!r}",
             "--seed", str(seed)],
            env=env, capture_output=True, text=True, check=True, cwd=tmp,
        ).stdout  # fmt: skip
    metrics = parse_log(out)
    return {"change": change, "seed": seed, **{k: metrics.get(k) for k in KEEP}}


def recorded() -> list[dict]:
    if not DATA.exists():
        return []
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="a regex: only the planned changes it matches")
    args = parser.parse_args()
    done = {(r["change"], r["seed"]) for r in recorded()}
    todo = [(c, s) for c, s in plan() if (c, s) not in done]
    if args.only:
        todo = [(c, s) for c, s in todo if re.search(args.only, c or "(none)")]
    print(f"{len(done)} runs recorded, {len(todo)} to run", flush=True)
    DATA.parent.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(args.jobs) as pool, DATA.open("a") as out:
        for result in pool.map(lambda cs: run(*cs), todo):
            out.write(json.dumps(result) + "\n")
            out.flush()
            print(f"{result['change'] or '(none)':22} seed {result['seed']}: "
                  f"val_bpb {result['val_bpb']}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
