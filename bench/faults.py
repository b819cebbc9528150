"""The soak: random faults among 8 agents and a stream of jobs, for `--minutes` (default 30),
and what survived them (issue: reliability and security, "The fault suite").

    .venv/bin/python bench/faults.py [--minutes 30] [--every 20] [--seed 1]

Makes a fresh git repository and an org of 8 shell agents on 2 CPU slots (pool mode) in a
temporary folder with its own runtime folder. A stream of jobs (each sleeps 0.2-3 s, then
prints a val_bpb) is kept queued from random agents. Every `--every` seconds (jittered) one
fault is injected, chosen at random:

  orgd-kill      SIGKILL of orgd, then `orgtui up` (timed: the target is under a second)
  tmux-kill      SIGKILL of the tmux server (orgd stops), then `orgtui up`
  orgd-stop      SIGSTOP of orgd for 3 s (clients time out meanwhile), then SIGCONT
  wrapper-kill   SIGKILL of a running job's wrapper
  job-kill       SIGKILL of a running job's processes
  agent-kill     SIGKILL of an agent's program (its restart policy brings it back)
  cockpit-hup    a cockpit attached in a pty, whose terminal then hangs up (an SSH drop)

After each fault and its recovery the invariants of tests/faults/invariants.py are checked
(no job lost or recorded twice, no device held by an ended job, no process of an ended job,
the ledger's integrity, the agents' worktrees as they were); a fault "survived" when they
held. At the end the stream stops, every job is waited for, and the figures are printed
beside their targets: faults injected and survived, jobs lost (0), devices leaked (0).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults import invariants  # noqa: E402
from tests.helpers import agent_toml, org_toml, wait_for  # noqa: E402

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
AGENTS = [f"agent-{i}" for i in range(1, 9)]
SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 2
mode = "pool"
time_budget = "30s"
max_time = "2m"
grace = "2s"
notify = false
"""
FAULTS = ("orgd-kill", "tmux-kill", "orgd-stop", "wrapper-kill", "job-kill", "agent-kill",
          "cockpit-hup")  # fmt: skip


class Org:
    """The soak's org, driven through the real CLI as a person or an agent drives it."""

    def __init__(self, tmp: Path) -> None:
        self.runtime = tmp / "run"
        self.runtime.mkdir(mode=0o700)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime), **GIT_ENV}
        for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
            self.env.pop(var, None)
        repo = tmp / "repo"
        repo.mkdir()
        for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "0"]):
            subprocess.run(["git", "-C", str(repo), *args], check=True, env=self.env)
        text = org_toml("soak", *(agent_toml(a) for a in AGENTS), SCHEDULER)
        self.file = tmp / "soak.toml"
        self.file.write_text(text.replace("{repo}", str(repo)))
        self.workdir = tmp / ".orgtui" / "soak"
        """Its jobs run under it: a process of another org's job with the same id is not its."""

    def __call__(self, *args: str, check: bool = True, timeout: float = 60):
        proc = subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True,
                              text=True, env=self.env, timeout=timeout)  # fmt: skip
        if check and proc.returncode != 0:
            raise RuntimeError(f"orgtui {' '.join(args)}: {proc.returncode}\n{proc.stderr}")
        return proc

    def status(self) -> dict:
        return json.loads(self("status", "--json").stdout)


def submit(org: Org, rng: random.Random) -> int | None:
    seconds = rng.uniform(0.2, 3.0)
    script = f"sleep {seconds:.2f}; echo val_bpb: {rng.uniform(2, 3):.4f}"
    proc = org("job", "submit", "--json", "--agent", rng.choice(AGENTS), "--", "sh", "-c",
               script, check=False, timeout=30)  # fmt: skip
    return json.loads(proc.stdout)["id"] if proc.returncode == 0 else None


def running_jobs(org: Org) -> list[dict]:
    return [j for j in invariants.jobs(org) if j["state"] == "running"]


def wrapper_pid(org: Org, job: dict) -> int | None:
    """A running job's wrapper: the parent of its process group leader."""
    pids = invariants.job_processes(org.workdir).get(job["id"], set())
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pid:  # the job's group leader; its parent is the wrapper
            return int(fields[1])
    return None


def inject(fault: str, org: Org, rng: random.Random, up_times: list[float]) -> int | None:
    """Inject `fault`; the job whose wrapper it killed (that job's outcome cannot be known: it
    may be recorded `lost`), else None."""
    status = org.status()
    if fault == "orgd-kill":
        os.kill(status["daemon_pid"], signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{status['daemon_pid']}").exists(), timeout=10)
        start = time.monotonic()
        org("up", str(org.file))
        up_times.append(time.monotonic() - start)
    elif fault == "tmux-kill":
        pid = subprocess.run(["tmux", "-S", status["tmux_socket"], "display", "-p", "#{pid}"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        os.kill(int(pid), signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{status['daemon_pid']}").exists(), timeout=20)
        org("up", str(org.file))
    elif fault == "orgd-stop":
        os.kill(status["daemon_pid"], signal.SIGSTOP)
        time.sleep(3)  # the fault itself: orgd frozen this long
        os.kill(status["daemon_pid"], signal.SIGCONT)
    elif fault in ("wrapper-kill", "job-kill"):
        jobs = running_jobs(org)
        if not jobs:
            return
        job = rng.choice(jobs)
        if fault == "wrapper-kill":
            pid = wrapper_pid(org, job)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    return int(job["id"])
        else:
            for pid in invariants.job_processes(org.workdir).get(job["id"], ()):
                with contextlib.suppress(ProcessLookupError):  # it may end meanwhile
                    os.kill(pid, signal.SIGKILL)
    elif fault == "agent-kill":
        agent = rng.choice(status["agents"])
        if agent["pane_pid"]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(agent["pane_pid"], signal.SIGKILL)
    elif fault == "cockpit-hup":
        import pexpect

        child = pexpect.spawn(sys.executable, ["-m", "orgtui", "attach", "soak"],
                              env={**org.env, "TERM": "xterm-256color"}, dimensions=(40, 140),
                              timeout=30, encoding="utf-8")  # fmt: skip
        child.expect("orgtui · soak")
        child.close(force=False)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=20.0, help="seconds between faults")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="soak", dir="/tmp"))
    org = Org(tmp)
    injected: Counter[str] = Counter()
    survived: Counter[str] = Counter()
    broken: list[str] = []
    submitted: list[int] = []
    up_times: list[float] = []
    unknowable: set[int] = set()  # jobs whose wrapper was killed
    try:
        org("up", str(org.file))
        assert Path(org.status()["workdir"]) == org.workdir
        trees = invariants.Worktrees.read(org.status())
        end = time.monotonic() + args.minutes * 60
        next_fault = time.monotonic() + args.every
        while time.monotonic() < end:
            queued = sum(j["state"] == "queued" for j in invariants.jobs(org))
            for _ in range(max(0, 6 - queued)):
                job = submit(org, rng)
                if job is not None:
                    submitted.append(job)
            if time.monotonic() >= next_fault:
                fault = rng.choice(FAULTS)
                injected[fault] += 1
                try:
                    hit = inject(fault, org, rng, up_times)
                    if hit is not None:
                        unknowable.add(hit)
                    wait_for(lambda: org("status", check=False).returncode == 0, timeout=30)
                    invariants.check(org, submitted, may_be_lost=tuple(unknowable))
                    trees.unchanged(org.status())
                    survived[fault] += 1
                except Exception as e:  # a broken invariant: counted and said, the soak goes on
                    broken.append(f"{fault}: {(str(e) or type(e).__name__)[:300]}")
                    if org("status", check=False).returncode != 0:
                        org("up", str(org.file), check=False)
                next_fault = time.monotonic() + args.every * rng.uniform(0.5, 1.5)
            time.sleep(1)
        wait_for(lambda: not any(j["state"] in ("queued", "running")
                                 for j in invariants.jobs(org)), timeout=300)  # fmt: skip
        rows = invariants.jobs(org)
        states = Counter(j["state"] for j in rows)
        known = {j["id"] for j in rows}
        lost = sum(j["state"] == "lost" and j["id"] not in unknowable for j in rows)
        lost += len(set(submitted) - known)
        held = [d for d in org.status()["scheduler"]["devices"] if d["job"] is not None]
        orphans = {j: p for j, p in invariants.job_processes(org.workdir).items() if j in known}
    finally:
        org("down", "--org", str(org.file), check=False, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"soak: {args.minutes:g} min, 8 agents, 2 CPU slots, a fault every ~{args.every:g} s")
    print(f"  faults injected        {sum(injected.values()):5d}   "
          + ", ".join(f"{k} {v}" for k, v in sorted(injected.items())))  # fmt: skip
    print(f"  faults survived        {sum(survived.values()):5d}   (target: all)")
    print(f"  jobs submitted         {len(submitted):5d}   "
          + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))  # fmt: skip
    print(f"  jobs lost              {lost:5d}   (target: 0; {len(unknowable)} whose wrapper was"
          " killed may be `lost`)")  # fmt: skip
    print(f"  devices leaked         {len(held):5d}   (target: 0)")
    print(f"  job processes left     {len(orphans):5d}   (target: 0)")
    if up_times:
        print(f"  up after orgd SIGKILL  max {max(up_times):.2f} s, "
              f"median {sorted(up_times)[len(up_times) // 2]:.2f} s   (target: < 1 s)")  # fmt: skip
    for line in broken:
        print(f"  BROKEN {line}")
    ok = not broken and lost == 0 and not held and not orphans
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
