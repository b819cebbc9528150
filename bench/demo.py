"""The demo org's figures beside their targets (issue: the built-in research task, the
built-in researcher and the demo org).

    .venv/bin/python bench/demo.py [--minutes 10]

Copies orgs/demo.toml (and its prompts) to a temporary folder with its own runtime folder, so
its research repo is made fresh through init, then with the real CLI, orgd and researchers:
  1. from `orgtui up demo.toml` (the main job's start, without the cockpit) to the first
     finished job in the ledger;
  2. over --minutes, the best result against the baseline: each minute, the best change so
     far (its seeds' mean, both seeds ok) beside the baseline's mean and seed spread;
  3. the trainer's tokens per second on one CPU core (its jobs' `tok_per_sec`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="obd", dir="/tmp") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp / "run")}
        for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
            env.pop(var, None)
        (tmp / "run").mkdir(mode=0o700)
        shutil.copy(ROOT / "orgs" / "demo.toml", tmp / "demo.toml")
        shutil.copytree(ROOT / "orgs" / "prompts", tmp / "prompts")
        org = tmp / "demo.toml"

        def orgtui(*argv: str) -> str:
            return subprocess.run([sys.executable, "-m", "orgtui", *argv], env=env, check=True,
                                  capture_output=True, text=True).stdout  # fmt: skip

        start = time.time()
        orgtui("up", str(org))
        first = None
        try:
            while time.time() - start < args.minutes * 60:
                jobs = json.loads(orgtui("job", "ls", "--json"))
                ended = [j["ended_at"] for j in jobs if j["ended_at"] and j["state"] == "ok"]
                if first is None and ended:
                    first = min(ended) - start
                time.sleep(2)
            jobs = json.loads(orgtui("job", "ls", "--json"))
            board = (tmp / ".orgtui" / "demo" / "comms" / "board.md").read_text()
        finally:
            subprocess.run([sys.executable, "-m", "orgtui", "down", "--org", str(org)], env=env,
                           capture_output=True)  # fmt: skip
    ok = [j for j in jobs if j["state"] == "ok" and "val_bpb" in j["metrics"]]
    base = [j for j in ok if j["kind"] == "baseline" and j["baseline_id"] == ok[0]["baseline_id"]]
    base_values = [j["metrics"]["val_bpb"] for j in base]
    mean, spread = statistics.mean(base_values), max(base_values) - min(base_values)
    changes: dict[str, list[dict]] = {}
    for j in ok:
        if j["kind"] == "experiment":
            changes.setdefault(f"{j['agent']}: {j['name'].rsplit(' seed', 1)[0]}", []).append(j)
    done = [(max(r["ended_at"] for r in runs), statistics.mean(r["metrics"]["val_bpb"] for r in runs),
             name) for name, runs in changes.items() if len(runs) >= 2]  # fmt: skip
    print(f"demo org: 4 built-in researchers, 2 CPU slots, {os.cpu_count()} cores, "
          f"{args.minutes:g} minutes, {len(ok)} jobs ok")  # fmt: skip
    mark = "ok" if first is not None and first < 90 else "MISSED"
    print(f"  {'from `orgtui up` to the first finished job':52} "
          f"{'-' if first is None else f'{first:.0f} s':>10}   < 90 s   {mark}")  # fmt: skip
    rates = [float(j["metrics"]["tok_per_sec"]) for j in ok if "tok_per_sec" in j["metrics"]]
    if rates:
        print(f"  {'trainer tokens/s on one CPU core (median of its jobs)':52} "
              f"{statistics.median(rates):>10,.0f}   (GPU, MFU: no GPU here)")  # fmt: skip
    print(f"  baseline (3 seeds): val_bpb {mean:.4f}, seed spread {spread:.4f}; "
          f"a win must be below {mean - spread:.4f}")  # fmt: skip
    print("\n  | minutes | changes measured | best val_bpb | vs baseline | change |")
    print("  |---|---|---|---|---|")
    for minute in range(1, int(args.minutes) + 1):
        upto = [d for d in done if d[0] - start <= minute * 60]
        if not upto:
            print(f"  | {minute} | 0 | - | - | - |")
            continue
        at, best, name = min(upto, key=lambda d: d[1])
        beyond = "beyond the noise" if best < mean - spread else "no win"
        print(f"  | {minute} | {len(upto)} | {best:.4f} | {best - mean:+.4f} ({beyond}) | {name} |")
    wins = board.count("WIN, kept")
    print(f"\n  wins kept on a branch (the board): {wins}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
