"""orgtui on a real Slurm, beside bare `sbatch` (issue: Slurm, "Numbers").

    .venv/bin/python bench/slurm.py [--jobs 200] [--python PATH]

Brings up the single-node Slurm of scripts/slurm-up.sh (as root), makes a fresh git repository
and an org of one shell agent with `backend = "slurm"` (notify off) in a temporary folder,
then runs --jobs short jobs (`true`) one at a time through each path, alternating, so both
see the same Slurm:

  - orgtui: from the submit request (the snapshot taken, as an agent's `orgtui job submit`
    asks orgd) to the job's end recorded in the ledger (read-only SQLite, looked at every
    POLL seconds);
  - bare: from `sbatch --wrap 'true; touch F'` to F appearing (looked at every POLL seconds):
    the same job's end, seen the same way (orgtui's wrapper says so with its status file).

Per-job overhead is p50(orgtui) - p50(bare): what orgtui adds on top of Slurm's scheduling
(the snapshot, its checkout, sbatch, the wrapper on the node, noticing the end and recording
it). Dispatch latency is orgtui's part of a job's way into Slurm: from the job recorded
queued to Slurm holding it (sbatch; its checkout is made after, while Slurm schedules). The
org's `[scheduler.slurm] python` is this interpreter's path unless --python says otherwise.
The anchor: a single-node Slurm spends about 1.3 s of scheduling per job on a 2-core machine;
orgtui's overhead should be under 5% of it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.protocol.client import call  # noqa: E402
from orgtui.protocol.jobs import JobShow, JobSubmit  # noqa: E402

POLL = 0.005
ANCHOR = 1.3
PYTHON = os.path.realpath(sys.executable)
"""The wrapper's Python on the node (`[scheduler.slurm] python`), by default named by its path:
`python3` on this machine's PATH is a pyenv shim, a shell script that costs about 60 ms more
per start (`--python python3` measures that)."""
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
ORG = """
[org]
name = "slurmbench"
repo = "{repo}"

[[agent]]
name = "a"
command = ["bash", "--norc", "--noprofile"]

[scheduler]
backend = "slurm"
shared_dir = "{shared}"
mode = "pool"
notify = false
time_budget = "1m"
grace = "5s"
[scheduler.slurm]
partition = "debug"
python = "{python}"
"""


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def row(name: str, value: str, target: str, ok: bool | None = None) -> None:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    print(f"  {name:52} {value:>18}   {target:22} {mark}")


class Org:
    def __init__(self, tmp: Path, python: str) -> None:
        self.env = {**os.environ, **GIT_ENV, "XDG_RUNTIME_DIR": str(tmp / "run")}
        for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
            self.env.pop(var, None)
        (tmp / "run").mkdir(mode=0o700)
        repo = tmp / "repo"
        repo.mkdir()
        (repo / "train.py").write_text("print('val_bpb: 1.0')\n")
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
            subprocess.run(["git", "-C", str(repo), *args], check=True, env=self.env)
        self.file = tmp / "slurmbench.toml"
        self.file.write_text(ORG.format(repo=repo, shared=tmp / "shared", python=python))
        subprocess.run([sys.executable, "-m", "orgtui", "up", str(self.file)], env=self.env,
                       check=True, capture_output=True)  # fmt: skip
        self.sock = next((tmp / "run" / "orgtui").iterdir()) / "orgd.sock"
        self.ledger = sqlite3.connect(f"file:{tmp / '.orgtui/slurmbench/ledger.sqlite'}?mode=ro",
                                      uri=True, isolation_level=None)  # fmt: skip

    def run(self) -> dict[str, float]:
        """One `true` job: submit to its end recorded (`took`) and its parts."""
        t0 = time.time()
        job = call(self.sock, JobSubmit(agent="a", command=["true"]), timeout=60).jobs[0].id
        submitted = time.time()
        sql = "SELECT state, queued_at, slurm_queued_at, ended_at FROM jobs WHERE id = ?"
        while True:
            state, queued, in_slurm, ended = self.ledger.execute(sql, (job,)).fetchone()
            if state not in ("queued", "running"):
                break
            time.sleep(POLL)
        seen = time.time()
        if state != "ok":
            raise SystemExit(f"bench: job {job} ended {state}: {call(self.sock, JobShow(job=job))}")
        return {"took": seen - t0, "submit": submitted - t0, "to_slurm": (in_slurm or t0) - t0,
                "dispatch": (in_slurm or queued) - queued, "noticed": seen - ended}  # fmt: skip

    def down(self) -> None:
        subprocess.run([sys.executable, "-m", "orgtui", "down", "--org", str(self.file)],
                       env=self.env, capture_output=True)  # fmt: skip


def bare(tmp: Path, i: int) -> float:
    """The same job with bare sbatch, its end seen the same way (a file, polled)."""
    flag = tmp / f"bare{i}"
    t0 = time.time()
    subprocess.run(["sbatch", "--parsable", "-p", "debug", "--gres=gpu:1", "-o", "/dev/null",
                    "--wrap", f"true; touch {flag}"], check=True, capture_output=True)  # fmt: skip
    while not flag.exists():
        time.sleep(POLL)
    return time.time() - t0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--python", default=PYTHON, help="[scheduler.slurm] python")
    args = parser.parse_args()
    subprocess.run(["bash", str(ROOT / "scripts" / "slurm-up.sh")], check=True)
    runs: list[dict[str, float]] = []
    bare_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="obsl", dir="/tmp") as name:
        tmp = Path(name)
        org = Org(tmp, args.python)
        try:
            for i in range(args.jobs):
                runs.append(org.run())
                bare_s.append(bare(tmp, i))
        finally:
            org.down()
    p50_orgtui = statistics.median(r["took"] for r in runs)
    p50_bare = statistics.median(bare_s)
    dispatch = [r["dispatch"] for r in runs]
    extra = p50_orgtui - p50_bare
    print(f"slurm: single node (2 fake GPUs), {args.jobs} `true` jobs each way, one at a time, "
          f"{os.cpu_count()} cores; the wrapper's python: {args.python}")  # fmt: skip
    print(f"  {'figure':52} {'measured':>18}   {'anchor / target':22}")
    row("bare sbatch: submit to end seen, p50", f"{p50_bare * 1000:.0f} ms",
        f"~{ANCHOR:g} s of Slurm scheduling")  # fmt: skip
    row("orgtui: submit to end in the ledger, p50", f"{p50_orgtui * 1000:.0f} ms", "")
    row("orgtui's overhead per job (p50 - p50)", f"{extra * 1000:.0f} ms",
        f"< {0.05 * ANCHOR * 1000:.0f} ms (5% of {ANCHOR:g} s)", extra < 0.05 * ANCHOR)  # fmt: skip
    row("dispatch latency (queued to in Slurm): p50 / p99",
        f"{statistics.median(dispatch) * 1000:.0f} / {pct(dispatch, 99) * 1000:.0f} ms", "")  # fmt: skip
    for part, what in (("to_slurm", "submit to sbatch done (snapshot, ledger, sbatch), p50"),
                       ("submit", "the submit request's answer (+ the checkout), p50"),
                       ("noticed", "the wrapper's end to it in the ledger, p50")):  # fmt: skip
        row(what, f"{statistics.median(r[part] for r in runs) * 1000:.0f} ms", "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
