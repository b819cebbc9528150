"""`orgtui progress` on a large ledger, beside its target (issue 15, item 2: the progress score
from the ledger, under 0.5 s for 10,000 jobs).

    .venv/bin/python bench/progress.py [--groups 2000] [--repeat 5]

Writes an org file and, in its work dir, a ledger of --groups groups through the ledger's own
writes (`Ledger.add_group`, `update`, `update_group`, `add_promotion`, `update_promotion`), as
orgd would have over a long run: a group made every minute, its seeds ending 5 minutes later.
Every 10 groups are 2 baselines of 5 seeds, 5 experiments of 3, 2 verifications of 10 and one
`other` group of 5 (50 jobs, so 2,000 groups are 10,000 jobs). Experiments move the metric
(about 1.0, seed noise 0.01) by -0.03 to +0.02 and are judged by the real judge against the
latest baseline. Each verification verifies the latest experiment judged `better` not yet
verified, as a promotion: `promoted` (its value the verification's mean, and the program head
takes the gain) when the change was real, else `rejected`.

Then runs the real CLI (`orgtui progress ORGFILE`, and `--json`) as a subprocess, stdout
piped, --repeat times each, checks the answer, and prints the median beside the target, its
best and the CPU it used, then the same command on an empty ledger (starting Python, importing
orgtui, reading the org file) and the ledger's reads and the score in-process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.judge.noise import Noise  # noqa: E402
from orgtui.judge.progress import score  # noqa: E402
from orgtui.judge.verdict import Group, Rules, Run, judge  # noqa: E402
from orgtui.ledger.progress import history  # noqa: E402
from orgtui.ledger.store import Ledger  # noqa: E402

TARGET = 0.5
"""Seconds: the issue's target for the whole command, 10,000 jobs."""
PATTERN = (("baseline", 5), ("experiment", 3), ("experiment", 3), ("experiment", 3),
           ("verification", 10), ("other", 5), ("baseline", 5), ("experiment", 3),
           ("experiment", 3), ("verification", 10))  # fmt: skip
"""Every 10 groups: their kinds and seeds (50 jobs)."""
ORG = """[org]
name = "bigprogress"
repo = "{repo}"
workdir = "work"

[research]
metric = "val_bpb"
goal = "minimize"

[[agent]]
name = "a"
command = ["bash"]
"""
BUDGET = 300.0
T0 = 1.7e9
TOKENS, FLOPS, PARAMS = 5e8, 1.5e17, 5e7
NOISE = Noise(sigma=0.01, df=400)
RULES = Rules(metric="val_bpb", goal="minimize", max_comparisons=20)


class Builder:
    """Writes the groups one by one, as orgd would have over a long run."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger, self.rng = ledger, random.Random(15)
        self.head = 1.0  # the program head's true metric: promotions improve it
        self.baseline: Group | None = None
        self.served = 0
        self.wins: list[tuple[int, float]] = []  # experiments judged better: (group, effect)
        self.promotions = 0

    def group(self, index: int, kind: str, n: int, mean: float) -> tuple[Group, float]:
        """A group of `n` seeds made at minute `index`, ended 5 minutes later; (it, its end)."""
        made, ended = T0 + index * 60.0, T0 + index * 60.0 + BUDGET
        commit = hashlib.sha1(str(index).encode()).hexdigest()
        agent = "@baseline" if kind == "baseline" else f"agent{index % 8}"
        head = {"kind": kind, "agent": agent, "commit": commit, "snapshot": commit,
                "budget_time": BUDGET, "created_at": made}  # fmt: skip
        rows = [{"agent": agent, "kind": kind, "budget_time": BUDGET, "command": ["train"],
                 "commit": commit, "seed": index * 10 + i, "queued_at": made}
                for i in range(n)]  # fmt: skip
        gid, ids = self.ledger.add_group(head, rows)
        runs = []
        for job in ids:
            value = mean + self.rng.gauss(0.0, 0.01)
            metrics = {"val_bpb": value, "total_tokens": TOKENS, "num_params": PARAMS,
                       "flops": FLOPS}  # fmt: skip
            self.ledger.update(job, state="ok", exit_code=0, started_at=made, ended_at=ended,
                               device="gpu0", device_type="H100", wall_seconds=BUDGET,
                               device_seconds=BUDGET, tokens=TOKENS, flops=FLOPS,
                               params=PARAMS, metrics=metrics)  # fmt: skip
            runs.append(Run(job, "ok", value, FLOPS, TOKENS, PARAMS, BUDGET, BUDGET))
        return Group(gid, tuple(runs), BUDGET, None, "H100", commit), ended

    def add(self, index: int) -> None:
        kind, n = PATTERN[index % len(PATTERN)]
        effect = self.rng.choice((-0.03, -0.01, 0.0, 0.0, 0.02)) if kind == "experiment" else 0.0
        if kind == "verification" and self.wins:
            self.verify(index, n)
            return
        group, _ = self.group(index, kind, n, self.head + effect)
        if kind == "baseline":
            self.baseline, self.served = group, 0
        elif kind == "experiment" and self.baseline is not None:
            self.served += 1
            verdict = judge(group, self.baseline, NOISE, self.served, RULES)
            self.ledger.update_group(group.id, reference=self.baseline.id,
                                     comparison=self.served, verdict=verdict.verdict,
                                     judgement=verdict.to_json())  # fmt: skip
            if verdict.verdict == "better":
                self.wins.append((group.id, effect))

    def verify(self, index: int, n: int) -> None:
        screening, effect = self.wins.pop()
        group, ended = self.group(index, "verification", n, self.head + effect)
        values = [r.value for r in group.runs if r.value is not None]
        mean = statistics.fmean(values)
        real = effect < 0
        pid = self.ledger.add_promotion(
            screening=screening, verification=group.id,
            reference=self.baseline.id if self.baseline else None, commit=group.commit,
            target="0" * 40, min_delta=0.0, asked_by="chief", created_at=T0 + index * 60.0,
        )  # fmt: skip
        self.ledger.update_promotion(pid, state="promoted" if real else "rejected",
                                     value=mean if real else None, ended_at=ended + 1.0,
                                     merge="f" * 40 if real else "")  # fmt: skip
        if real:
            self.head += effect
        self.promotions += 1


def org_with_ledger(folder: Path, groups: int) -> tuple[Path, int, int]:
    """An org file whose work dir holds a ledger of `groups` groups; (the file, its jobs, its
    promotions)."""
    folder.mkdir()
    (folder / "org.toml").write_text(ORG.replace("{repo}", str(folder)))
    with Ledger(folder / "work" / "ledger.sqlite") as ledger:
        builder = Builder(ledger)
        for index in range(groups):
            builder.add(index)
        jobs = ledger.db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        return folder / "org.toml", jobs, builder.promotions


def cli() -> list[str]:
    script = Path(sys.executable).parent / "orgtui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "orgtui"]


class Timing(NamedTuple):
    """Seconds of one command over its runs."""

    median: float
    best: float
    cpu: float
    """The median CPU seconds (user + system) it used: what the machine's load moves least."""

    def more(self) -> str:
        return f"best {self.best:.2f} s, CPU {self.cpu:.2f} s"


def timed(org: Path, form: list[str], repeat: int) -> tuple[Timing, str]:
    """`orgtui progress ORG [form]`, `repeat` times; its timing and its last answer."""
    times, cpu, out = [], [], ""
    for _ in range(repeat):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run([*cli(), "progress", str(org), *form], capture_output=True,
                             text=True, timeout=120, check=True).stdout  # fmt: skip
        times.append(time.perf_counter() - start)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime)
    return Timing(statistics.median(times), min(times), statistics.median(cpu)), out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bprog") as tmp:
        start = time.perf_counter()
        org, jobs, promotions = org_with_ledger(Path(tmp) / "big", args.groups)
        built = time.perf_counter() - start
        empty, _, _ = org_with_ledger(Path(tmp) / "empty", 0)
        shown, _ = timed(org, [], args.repeat)
        as_json, out = timed(org, ["--json"], args.repeat)
        data = json.loads(out)
        assert data["score"]["verified_wins"] > 0 and data["points"], data["score"]
        floor, _ = timed(empty, [], args.repeat)
        with Ledger(org.parent / "work" / "ledger.sqlite", readonly=True) as ledger:
            inside = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                score(history(ledger, "val_bpb", "minimize"))
                inside.append(time.perf_counter() - t)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    s = data["score"]
    print(f"`orgtui progress` (median of {args.repeat}, stdout piped; {jobs:,} jobs in "
          f"{args.groups:,} groups, {promotions} promotions: {s['verified_wins']} promoted, "
          f"{s['false_discoveries']} rejected; ledger built in {built:.1f} s; {load})")  # fmt: skip
    for name, timing in (("progress", shown), ("progress --json", as_json)):
        verdict = "ok" if timing.median < TARGET else "MISSED"
        print(f"  {name}: {timing.median:.2f} s (target under {TARGET} s) {verdict}; "
              f"{timing.more()}")  # fmt: skip
    print(f"  of which, the same on an empty ledger (Python, imports, org file): "
          f"{floor.median:.2f} s; {floor.more()}")  # fmt: skip
    inside_ms = statistics.median(inside) * 1000
    print(f"  and the ledger's reads and the score, in-process: {inside_ms:.0f} ms "
          f"(best {min(inside) * 1000:.0f} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
