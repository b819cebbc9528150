"""Scheduler and ledger figures beside their targets (issue: GPU scheduler, jobs and the
results ledger, "Numbers").

    .venv/bin/python bench/scheduler.py [--jobs 1000] [--latency-jobs 40]

Makes a fresh git repository and an org of two shell agents on 2 CPU slots (notify off: a
notice typed into an agent's pane is not the scheduler's work) in a temporary folder with its
own runtime folder, then, with the real orgd, CLI, processes and SQLite:

  1. dispatch latency: both slots held by jobs that wait on a flag file, --latency-jobs more
     queued behind them (each `sh -c 'date +%s.%N; sleep 0.05'`); the flag goes, and for each
     job, the time from the end of the job before it on its slot (the wrapper's recorded end)
     to the job's first line (its process running: snapshot checkout included);
  2. --jobs jobs of `true` queued behind two held slots: from the flag going to the last one
     ended, divided by the jobs: the time the scheduler spends per job (a `true` takes ~1 ms
     itself), as a throughput like the Slurm figure beside it.

`orgtui results` on a large ledger (10,000 jobs in 2,000 judged groups) is bench/results.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.enums import JobState  # noqa: E402
from orgtui.protocol.client import call  # noqa: E402
from orgtui.protocol.jobs import Job, JobList, JobShow, JobSubmit, SubmittedJob  # noqa: E402

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip

ORG = """
[org]
name = "sched"
repo = "{repo}"

[[agent]]
name = "a"
command = ["bash", "--norc", "--noprofile"]

[[agent]]
name = "b"
command = ["bash", "--norc", "--noprofile"]

[scheduler]
devices = "cpu"
cpu_slots = 2
mode = "pool"
notify = false
time_budget = "10m"
max_time = "1h"
"""


def row(name: str, value: str, target: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    print(f"  {name:58} {value:>16}   {target:18} {mark}")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


class Org:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.env = {**os.environ, **GIT_ENV, "XDG_RUNTIME_DIR": str(tmp / "run")}
        for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
            self.env.pop(var, None)
        (tmp / "run").mkdir(mode=0o700)
        repo = tmp / "repo"
        repo.mkdir()
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
            if args[0] == "add":
                (repo / "train.py").write_text("print('val_bpb: 1.0')\n")
            subprocess.run(["git", "-C", str(repo), *args], check=True, env=self.env)
        self.file = tmp / "sched.toml"
        self.file.write_text(ORG.replace("{repo}", str(repo)))
        self.cli("up", str(self.file))
        folder = next((tmp / "run" / "orgtui").iterdir())
        self.sock = folder / "orgd.sock"
        self.flag = tmp / "hold"

    def cli(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "orgtui", *args], env=self.env,
                              capture_output=True, text=True, check=True).stdout  # fmt: skip

    def submit(self, agent: str, *argv: str) -> SubmittedJob:
        return call(self.sock, JobSubmit(agent=agent, command=list(argv)), timeout=60)

    def hold_both(self) -> list[int]:
        self.flag.touch()
        hold = f"while [ -e {self.flag} ]; do sleep 0.01; done"
        return [self.submit(a, "sh", "-c", hold).id for a in "ab"]

    def wait_all(self, jobs: list[int], timeout: float) -> list[Job]:
        """Every job once all have ended (asking about one at a time, so the bench's
        own polling stays small beside what it measures)."""
        deadline = time.monotonic() + timeout
        for job in sorted(jobs, reverse=True):
            while not call(self.sock, JobShow(job=job), timeout=30).state.ended:
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench: jobs did not end within {timeout}s")
                time.sleep(0.1)
        rows: dict[int, Job] = {}
        while True:
            page = call(self.sock, JobList(after=max(rows, default=0)), timeout=30)
            rows.update((r.id, r) for r in page.jobs)
            if not page.more:
                return [rows[j] for j in jobs]

    def down(self) -> None:
        subprocess.run([sys.executable, "-m", "orgtui", "down", "--org", str(self.file)],
                       env=self.env, capture_output=True)  # fmt: skip


def dispatch_latency(org: Org, n: int) -> list[float]:
    held = org.hold_both()
    jobs = [org.submit("ab"[i % 2], "sh", "-c", "date +%s.%N; sleep 0.05").id for i in range(n)]
    org.flag.unlink()
    rows = org.wait_all(held + jobs, 120)
    jobs_dir = org.tmp / ".orgtui" / "sched" / "jobs"
    by_device: dict[str, list[Job]] = {}
    for r in sorted(rows, key=lambda r: r.started_at or 0):
        by_device.setdefault(r.device, []).append(r)
    latencies = []
    for chain in by_device.values():
        for before, after in zip(chain, chain[1:], strict=False):
            freed = json.loads((jobs_dir / str(before.id) / "status").read_text())["ended_at"]
            first = float((jobs_dir / f"{after.id}.log").read_text().split()[0])
            latencies.append(first - freed)
    return latencies


def overhead(org: Org, n: int) -> float:
    held = org.hold_both()
    jobs = [org.submit("ab"[i % 2], "true").id for i in range(n)]
    start = time.time()
    org.flag.unlink()
    rows = org.wait_all(jobs, 600)
    bad = [r for r in rows if r.state != JobState.OK]
    if bad:
        raise SystemExit(f"bench: {len(bad)} jobs did not end ok, e.g. {bad[0]}")
    org.wait_all(held, 60)
    return (max(r.ended_at or 0 for r in rows) - start) / n


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--latency-jobs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="obs", dir="/tmp") as tmp:
        org = Org(Path(tmp))
        try:
            lat = dispatch_latency(org, args.latency_jobs)
            per_job = overhead(org, args.jobs)
        finally:
            org.down()
    print(f"scheduler: 2 CPU slots, local runner, {os.cpu_count()} cores")
    print(f"  {'figure':58} {'measured':>16}   {'target':18}")
    p50, p99 = statistics.median(lat) * 1000, pct(lat, 99) * 1000
    row(f"dispatch latency ({len(lat)} jobs): p50 / p99", f"{p50:.1f} / {p99:.1f} ms",
        "p99 < 100 ms", p99 < 100)  # fmt: skip
    row(f"scheduler overhead per job ({args.jobs} `true` jobs, 2 slots)",
        f"{per_job * 1000:.1f} ms", "< 20 ms (Slurm ~1.3 s)", per_job < 0.020)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
