"""Processes killed under a real org (orgd, tmux, git, jobs on CPU slots), and what must hold
after each (tests/faults/invariants.py): orgd SIGKILLed with jobs in flight, the tmux server
SIGKILLed, a job's own process SIGKILLed, an agent in a crash loop, two cockpits at once and
a cockpit whose terminal hangs up (an SSH drop)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pexpect

from orgtui.control.procs import alive
from tests.conftest import git
from tests.faults import invariants
from tests.helpers import agent_toml, org_toml, wait_for

SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 2
mode = "pool"
time_budget = "30s"
max_time = "2m"
grace = "1s"
"""
ORG = org_toml("faulty", agent_toml("a"), agent_toml("b"), SCHEDULER)


def start(write_org, orgtui, repo: Path, text: str = ORG) -> dict:
    (repo / "notes.txt").write_text("an agent's uncommitted work\n")
    org = write_org(text)
    orgtui("up", str(org))
    status = orgtui.status()
    for agent in status["agents"]:  # work in progress in each worktree: it must survive
        (Path(agent["worktree"]) / "wip.txt").write_text(f"{agent['name']} was here\n")
    return status


def submit(orgtui, agent: str, script: str) -> dict:
    out = orgtui("job", "submit", "--json", "--agent", agent, "--", "sh", "-c", script)
    return json.loads(out.stdout)


def state(orgtui, job: int) -> str:
    return json.loads(orgtui("job", "show", str(job), "--json").stdout)["state"]


def ended(orgtui, job: int, timeout: float = 60) -> dict:
    def done() -> dict | None:
        row = json.loads(orgtui("job", "show", str(job), "--json").stdout)
        return row if row["state"] not in ("queued", "running") else None

    return wait_for(done, timeout=timeout, what=f"job {job} to end")


def test_orgd_sigkilled_with_jobs_in_flight(write_org, orgtui, repo):
    status = start(write_org, orgtui, repo)
    trees = invariants.Worktrees.read(status)
    panes = {a["name"]: a["pane_pid"] for a in status["agents"]}
    long = [submit(orgtui, "ab"[i % 2], f"sleep 6; echo val_bpb: 0.{i}")["id"] for i in range(2)]
    wait_for(lambda: all(state(orgtui, j) == "running" for j in long), timeout=30)
    queued = [submit(orgtui, "ab"[i % 2], "sleep 0.2; echo val_bpb: 1")["id"] for i in range(4)]
    os.kill(status["daemon_pid"], signal.SIGKILL)
    wait_for(lambda: not alive({status["daemon_pid"]}))
    # The target is under a second (bench/faults.py measures it); twice that here, so a
    # loaded CI machine does not fail it, while a recovery that waits on a timeout would.
    assert invariants.timed_up(orgtui, status["file"]) < 2.0
    after = orgtui.status()
    assert {a["name"]: a["pane_pid"] for a in after["agents"]} == panes  # adopted, not restarted
    rows = {j: ended(orgtui, j) for j in long + queued}
    assert all(r["state"] == "ok" for r in rows.values()), rows
    invariants.check(orgtui, long + queued)
    trees.unchanged(after)


def test_tmux_server_sigkilled(write_org, orgtui, repo):
    status = start(write_org, orgtui, repo)
    trees = invariants.Worktrees.read(status)
    job = submit(orgtui, "a", "sleep 3; echo val_bpb: 0.5")["id"]
    wait_for(lambda: state(orgtui, job) == "running")
    server = subprocess.run(["tmux", "-S", status["tmux_socket"], "display", "-p", "#{pid}"],
                            capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    os.kill(int(server), signal.SIGKILL)
    # orgd sees its server gone and stops; the job runs on in its own session.
    wait_for(lambda: not alive({status["daemon_pid"]}), timeout=20, what="orgd to stop")
    assert state_from_ledger(status, job) == "running"
    orgtui("up", status["file"])  # a new server, the agents started again, the job adopted
    after = orgtui.status()
    assert all(a["state"] in ("starting", "running") for a in after["agents"])
    assert ended(orgtui, job)["state"] == "ok"
    invariants.check(orgtui, [job])
    trees.unchanged(after)


def state_from_ledger(status: dict, job: int) -> str:
    """A job's state read from the ledger file itself (orgd is down)."""
    db = sqlite3.connect(f"file:{Path(status['workdir']) / 'ledger.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT state FROM jobs WHERE id = ?", (job,)).fetchone()[0]
    finally:
        db.close()


def test_a_job_sigkilled_is_failed_and_its_device_frees(write_org, orgtui, repo):
    status = start(write_org, orgtui, repo)
    job = submit(orgtui, "a", "echo started; sleep 60")["id"]
    workdir = Path(status["workdir"])
    wait_for(lambda: job in invariants.job_processes(workdir), what="the job's process")
    for pid in invariants.job_processes(workdir)[job]:
        os.kill(pid, signal.SIGKILL)
    row = ended(orgtui, job)
    assert row["state"] == "failed" and "signal 9" in row["reason"], row
    nxt = submit(orgtui, "b", "echo val_bpb: 1")["id"]
    assert ended(orgtui, nxt)["state"] == "ok"
    invariants.check(orgtui, [job, nxt])
    assert orgtui.status()["daemon_pid"] == status["daemon_pid"]


def test_an_agent_in_a_crash_loop_is_given_up_and_the_org_goes_on(write_org, orgtui, repo):
    text = org_toml(
        "faulty",
        agent_toml("a"),
        agent_toml("crashy", ["sh", "-c", "echo crashing; exit 3"], restart="always"),
        SCHEDULER,
    )
    status = start(write_org, orgtui, repo, text)

    def crashy() -> dict:
        return next(a for a in orgtui.status()["agents"] if a["name"] == "crashy")

    wait_for(lambda: crashy()["restarts"] >= 4 and crashy()["state"] in ("crashed", "exited"),
             timeout=40, what="the crash loop given up")  # fmt: skip
    restarts = crashy()["restarts"]
    # Given up: no more restarts while the org goes on serving the other agent's jobs.
    job = submit(orgtui, "a", "echo val_bpb: 1")["id"]
    assert ended(orgtui, job)["state"] == "ok"
    assert crashy()["restarts"] == restarts
    a = next(x for x in orgtui.status()["agents"] if x["name"] == "a")
    assert a["state"] == "running" and a["pane_pid"] == status["agents"][0]["pane_pid"]
    invariants.check(orgtui, [job])
    # A person restarts it by hand: it runs again (and crashes again).
    orgtui("restart", "crashy")
    wait_for(lambda: crashy()["restarts"] > restarts, what="the manual restart")


def cockpit(orgtui) -> pexpect.spawn:
    env = {**orgtui.env, "TERM": "xterm-256color"}
    return pexpect.spawn(sys.executable, ["-m", "orgtui", "attach", "faulty"], env=env,
                         dimensions=(40, 140), timeout=30, encoding="utf-8")  # fmt: skip


def test_two_cockpits_at_once_and_one_hung_up(write_org, orgtui, repo):
    status = start(write_org, orgtui, repo)
    trees = invariants.Worktrees.read(status)
    first, second = cockpit(orgtui), cockpit(orgtui)
    for child in (first, second):
        child.expect("orgtui · faulty")
    job = submit(orgtui, "a", "echo val_bpb: 1")["id"]
    assert ended(orgtui, job)["state"] == "ok"
    # The first one's terminal hangs up, as an SSH link that drops.
    pid = first.pid
    first.close(force=False)  # closes the pty: the cockpit gets SIGHUP
    wait_for(lambda: not alive({pid}), timeout=20, what="the hung-up cockpit to exit")
    # The org and the other cockpit go on.
    submit(orgtui, "b", "true")
    second.send("q")
    second.expect(pexpect.EOF)
    second.close()
    after = orgtui.status()
    assert after["daemon_pid"] == status["daemon_pid"]
    assert [a["pane_pid"] for a in after["agents"]] == [a["pane_pid"] for a in status["agents"]]
    assert all(a["state"] == "running" for a in after["agents"])
    clients = subprocess.run(["tmux", "-S", status["tmux_socket"], "list-clients", "-F",
                              "#{client_pid} #{client_flags}"], capture_output=True,
                             text=True).stdout.split("\n")  # fmt: skip
    leftover = [c for c in clients if c.strip() and int(c.split()[0]) in (pid, second.pid)]
    assert leftover == [], f"cockpits' control clients still attached: {leftover}"
    invariants.check(orgtui, [job])
    trees.unchanged(after)
    assert git(repo, "status", "--porcelain")  # the repo's own untracked file is still there
