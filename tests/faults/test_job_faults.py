"""Faults around a job, on a real org (real orgd, tmux, git, jobs on one CPU slot): the
workdir's disk filling up mid-job, a job's wrapper SIGKILLed, a submit whose client goes away
or stops waiting before orgd queued it, and a job's environment kept off the disk. After each,
tests/faults/invariants.py's checks hold."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.cli.jobs import _whether_queued
from orgtui.config.runtime import resolve
from orgtui.protocol.client import call
from orgtui.protocol.jobs import JobSubmit
from tests.faults import invariants
from tests.helpers import agent_toml, fill_disk, org_toml, wait_for
from tests.helpers import small_disk as mounted

SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 1
mode = "pool"
time_budget = "30s"
max_time = "2m"
grace = "1s"
"""
SECRET = "sekrit-5f1e0c2a-never-on-disk"


def org(workdir: Path | None = None, **agent: object) -> str:
    text = org_toml("jobfault", agent_toml("a", **agent), SCHEDULER)
    if workdir is not None:
        text = text.replace("[org]\n", f'[org]\nworkdir = "{workdir}"\n', 1)
    return text


def submit(orgtui, *argv: str) -> int:
    out = orgtui("job", "submit", "--json", "--agent", "a", "--", *argv)
    return json.loads(out.stdout)["id"]


def show(orgtui, job: int) -> dict:
    return json.loads(orgtui("job", "show", str(job), "--json").stdout)


def ended(orgtui, job: int, timeout: float = 60) -> dict:
    def done() -> dict | None:
        row = show(orgtui, job)
        return row if row["state"] not in ("queued", "running") else None

    return wait_for(done, timeout=timeout, what=f"job {job} to end")


def ledger_pid(workdir: Path, job: int) -> int:
    """The job's wrapper's pid, as the ledger has it."""
    db = sqlite3.connect(f"file:{workdir / 'ledger.sqlite'}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT pid FROM jobs WHERE id = ?", (job,)).fetchone()[0])
    finally:
        db.close()


def group_members(pgid: int) -> list[int]:
    """The live processes of process group `pgid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 5 MiB tmpfs to put an org's workdir on."""
    with mounted(tmp_path / "small", "5M") as path:
        yield path / "wd"


def test_a_full_disk_frees_the_device_and_records_the_job_once_space_returns(
    small_disk, orgtui, write_org, tmp_path
):
    go = tmp_path / "go"
    orgtui("up", str(write_org(org(small_disk))))
    first = submit(orgtui, "sh", "-c", f"while [ ! -e {go} ]; do sleep 0.05; done; echo done")
    wait_for(lambda: show(orgtui, first)["state"] == "running", what="the first job to run")
    second = submit(orgtui, "sh", "-c", "echo val_bpb: 0.5")  # waits for the one slot
    filler = small_disk / "filler"
    fill_disk(filler)
    try:
        go.touch()  # the first job ends on a full disk

        def freed() -> dict | None:
            status = orgtui.status()
            devices = status["scheduler"]["devices"]
            done = first not in status["scheduler"]["running"] and devices[0]["job"] is None
            return status if done and status.get("disk_error") else None

        status = wait_for(freed, timeout=30, what="the device freed and the disk error shown")
        assert "full" in status["disk_error"] or "space" in status["disk_error"]
        assert status["scheduler"]["queued"] == [second]  # nothing starts on a full disk
    finally:
        filler.unlink()
    wait_for(lambda: orgtui.status()["disk_error"] is None, timeout=30, what="the error gone")
    row = ended(orgtui, first)
    assert row["state"] in ("ok", "failed") or "space" in row["reason"], row
    assert "orgd was down" not in row["reason"]
    assert ended(orgtui, second)["state"] == "ok"
    invariants.check(orgtui, [first, second])


def test_a_killed_wrapper_kills_its_job_and_frees_the_device(orgtui, write_org, tmp_path):
    orgtui("up", str(write_org(org())))
    workdir = Path(orgtui.status()["workdir"])
    job = submit(orgtui, "sh", "-c", "sleep 300 & sleep 300; wait")
    wait_for(lambda: show(orgtui, job)["state"] == "running", what="the job to run")
    pid_file = workdir / "jobs" / str(job) / "status.pid"
    pgid = wait_for(lambda: pid_file.exists() and int(pid_file.read_text().split()[0]))
    wait_for(lambda: len(group_members(pgid)) >= 3, what="the job's processes")
    after = submit(orgtui, "sh", "-c", "echo val_bpb: 0.5")  # waits for the one slot
    wrapper = ledger_pid(workdir, job)
    os.kill(wrapper, signal.SIGKILL)
    row = ended(orgtui, job)
    assert row["state"] == "lost", row
    assert f"its wrapper (pid {wrapper}) died" in row["reason"], row["reason"]
    assert "killed" in row["reason"] and "orgd was down" not in row["reason"]
    assert group_members(pgid) == []
    assert ended(orgtui, after)["state"] == "ok"
    invariants.check(orgtui, [job, after], may_be_lost=(job,))


CLIENT = """
import os, socket, sys, time
from orgtui.protocol import framing
from orgtui.protocol.messages import VERSION
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
args = {"agent": "a", "command": ["sh", "-c", "echo val_bpb: 1"]}
sock.sendall(framing.encode({"v": VERSION, "type": "job_submit", "args": args}))
print("sent", flush=True)
time.sleep(600)
"""


def test_a_submit_whose_client_went_away_is_not_queued(orgtui, write_org, runtime_dir):
    orgtui("up", str(write_org(org())))
    status = orgtui.status()
    sock = next(runtime_dir.rglob("orgd.sock"))
    os.kill(status["daemon_pid"], signal.SIGSTOP)  # the request waits for orgd...
    try:
        client = subprocess.Popen([sys.executable, "-c", CLIENT, str(sock)],
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert client.stdout is not None and client.stdout.readline() == "sent\n"
        client.kill()  # ...and its client goes away before orgd could answer
        client.wait()
    finally:
        os.kill(status["daemon_pid"], signal.SIGCONT)
    orgd_log = Path(status["workdir"]) / "logs" / "orgd.log"
    wait_for(lambda: "not queued" in orgd_log.read_text(), what="orgd to drop the submit")
    assert invariants.jobs(orgtui) == []
    # A client that stopped waiting (its time-out passed before orgd got to it) likewise.
    os.kill(status["daemon_pid"], signal.SIGSTOP)
    try:
        out = orgtui("job", "submit", "--timeout", "1", "--agent", "a", "--", "true", check=False)
    finally:
        os.kill(status["daemon_pid"], signal.SIGCONT)
    assert out.returncode == 1, out
    assert "did not answer" in out.stderr and "was not queued" in out.stderr, out.stderr
    wait_for(lambda: orgd_log.read_text().count("not queued") >= 2, what="the second dropped")
    assert invariants.jobs(orgtui) == []
    assert ended(orgtui, submit(orgtui, "true"))["state"] == "ok"  # orgd still serves


def test_a_client_whose_answer_did_not_come_learns_the_jobs_id(orgtui, write_org):
    org_file = write_org(org())
    orgtui("up", str(org_file))
    rt = resolve(str(org_file))
    request = JobSubmit(agent="a", command=["true"], token="tok-1", deadline=time.time() + 60)
    job = call(rt.orgd_sock, request, timeout=60).jobs[0].id  # as if this answer was lost
    said = _whether_queued(rt, "tok-1")
    assert f"job {job} was queued: check `orgtui job show {job}`" in said
    assert "was not queued" in _whether_queued(rt, "tok-never-sent")


def test_no_env_value_is_written_under_the_jobs_folder(orgtui, write_org):
    orgtui("up", str(write_org(org(env={"API_KEY": SECRET}))))
    workdir = Path(orgtui.status()["workdir"])
    # (the command checks a prefix only: the whole value in the job's argv would be on disk)
    job = submit(orgtui, "sh", "-c", f'case "$API_KEY" in {SECRET[:11]}*) echo val_bpb: 1;; '
                                     "*) exit 3;; esac")  # fmt: skip
    assert ended(orgtui, job)["state"] == "ok"  # the job had its environment
    files = [p for p in (workdir / "jobs").rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))
