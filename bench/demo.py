"""The demo org's figures beside their targets (issue: the built-in research task, the
built-in researcher and the demo org).

    .venv/bin/python bench/demo.py [--minutes 10]

Copies orgs/demo.toml (and its prompts) to a temporary folder with its own runtime folder, so
its research repo is made fresh through init, then with the real CLI, orgd and researchers:
  1. from `orgtui up demo.toml` (the main job's start, without the cockpit) to the first
     finished job in the ledger;
  2. over --minutes, the best result the ledger judged: each minute, the best change so far
     (an experiment group with a final verdict, its seeds' mean) beside its reference and
     the verdict, under the first baseline group's mean and seed spread;
  3. the trainer's tokens per second on one CPU core (its jobs' `tok_per_sec`);
  4. the wins: groups the ledger judged `better`, and those kept on a branch (the board).
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FINAL = ("better", "worse", "within_noise", "more_compute", "invalid")
"""The verdicts a group keeps (`pending` is not one)."""


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
            groups = json.loads(orgtui("group", "ls", "--json"))
            board = (tmp / ".orgtui" / "demo" / "comms" / "board.md").read_text()
        finally:
            subprocess.run([sys.executable, "-m", "orgtui", "down", "--org", str(org)], env=env,
                           capture_output=True)  # fmt: skip
    print(f"demo org: 4 built-in researchers, 2 CPU slots, {os.cpu_count()} cores, "
          f"{args.minutes:g} minutes, "
          f"{sum(j['state'] == 'ok' for j in jobs)} jobs ok in {len(groups)} groups")  # fmt: skip
    mark = "ok" if first is not None and first < 90 else "MISSED"
    print(f"  {'from `orgtui up` to the first finished job':52} "
          f"{'-' if first is None else f'{first:.0f} s':>10}   < 90 s   {mark}")  # fmt: skip
    ok = [j for j in jobs if j["state"] == "ok"]
    rates = [float(j["metrics"]["tok_per_sec"]) for j in ok if "tok_per_sec" in j["metrics"]]
    if rates:
        print(f"  {'trainer tokens/s on one CPU core (median of its jobs)':52} "
              f"{statistics.median(rates):>10,.0f}   (GPU, MFU: no GPU here)")  # fmt: skip
    print(report(jobs, groups, board, start, args.minutes))
    return 0


def report(
    jobs: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    board: str,
    start: float,
    minutes: float,
) -> str:
    """The baseline, the best judged change minute by minute, and the wins, from the ledger's
    jobs and groups (as `job ls --json` and `group ls --json` print them) and the board."""
    by_id = {j["id"]: j for j in jobs}
    out: list[str] = []
    baseline = next((g for g in groups if g["kind"] == "baseline" and g["state"] == "ended"
                     and len(values(g, by_id)) >= 2), None)  # fmt: skip
    if baseline is None:
        out.append("  baseline: no baseline group ended with 2 ok seeds")
    else:
        got = values(baseline, by_id)
        out.append(f"  baseline (group {baseline['id']}, {len(got)} seeds): val_bpb "
                   f"{statistics.mean(got):.4f}, seed spread {max(got) - min(got):.4f}, "
                   f"sd {statistics.stdev(got):.4f}")  # fmt: skip
    judged = [g for g in groups if g["kind"] == "experiment" and g["verdict"] is not None
              and g["verdict"]["verdict"] in FINAL and g["verdict"]["mean"] is not None]  # fmt: skip
    noise = [g["verdict"] for g in judged if g["verdict"]["sigma"] is not None]
    if noise:
        out.append(f"  the ledger's pooled seed noise at the end: sigma {noise[-1]['sigma']:.4f} "
                   f"({noise[-1]['df']} df)")  # fmt: skip
    done = []
    for g in judged:
        ended = [by_id[j]["ended_at"] for j in g["jobs"] if j in by_id and by_id[j]["ended_at"]]
        if ended:
            done.append((max(ended), g))
    out.append(
        "\n  | minutes | changes judged | best val_bpb | vs its reference | verdict | change |"
    )
    out.append("  |---|---|---|---|---|---|")
    for minute in range(1, int(minutes) + 1):
        upto = [g for at, g in done if at - start <= minute * 60]
        if not upto:
            out.append(f"  | {minute} | 0 | - | - | - | - |")
            continue
        best = min(upto, key=lambda g: g["verdict"]["mean"] * sign(g["verdict"]))
        v = best["verdict"]
        delta = "-" if v["delta"] is None else f"{v['delta']:+.4f} (group {best['reference']})"
        change = f"{best['agent']}: {best['description'] or 'group ' + str(best['id'])}"
        out.append(f"  | {minute} | {len(upto)} | {v['mean']:.4f} | {delta} | "
                   f"{v['verdict'].replace('_', ' ')} | {change} |")  # fmt: skip
    words = [g["verdict"]["verdict"] for g in judged]
    tally = ", ".join(f"{w.replace('_', ' ')} {words.count(w)}" for w in FINAL if w in words)
    out.append(f"\n  verdicts of {len(judged)} experiment groups: {tally or '-'}")
    out.append(f"  wins: {words.count('better')} judged better by the ledger; "
               f"{board.count('WIN, kept')} kept on a branch (the board)")  # fmt: skip
    return "\n".join(out)


def values(group: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> list[float]:
    """The val_bpb of the group's ok seeds."""
    runs = [by_id[j] for j in group["jobs"] if j in by_id]
    return [j["metrics"]["val_bpb"] for j in runs
            if j["state"] == "ok" and "val_bpb" in j["metrics"]]  # fmt: skip


def sign(verdict: dict[str, Any]) -> float:
    """1 where lower is better, -1 where higher is: the best is the least mean times this."""
    return -1.0 if verdict.get("goal") == "maximize" else 1.0


if __name__ == "__main__":
    sys.exit(main())
