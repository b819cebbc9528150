"""Controlling jobs on a real Slurm: the budget kept on the node, cancel (pending and
running) through scancel, a job Slurm refuses, `down` cancelling the org's Slurm jobs, an
orgd killed mid-job that finds its jobs again by their Slurm job ids, and a job Slurm requeues
(preemption, `scontrol requeue`) that runs again."""

from __future__ import annotations

import os
import signal
import subprocess

from orgtui.control.procs import alive
from tests.helpers import wait_for
from tests.slurm.test_slurm_jobs import ended, org, show, squeue, submit, up


def scontrol(*args: str) -> None:
    subprocess.run(["scontrol", *args], check=True, capture_output=True, text=True)


def test_budget_cancel_and_refused(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir))
    # The budget (1s + 1s grace) is kept by orgtui's wrapper on the node, not by Slurm.
    late = submit(orgtui, "--agent", "a", "--time", "1s", "--", "python3", "train.py", "30")
    # Two jobs of 2 GPUs: the second waits in Slurm's queue and is cancelled there.
    hog = submit(orgtui, "--agent", "b", "--gpus", "2", "--", "python3", "train.py", "30")
    timed = ended(orgtui, late)
    assert timed["state"] == "timeout", timed["reason"]
    assert timed["compute"]["wall_seconds"] < 10
    wait_for(lambda: show(orgtui, hog)["state"] == "running", timeout=30)
    waiting = submit(orgtui, "--agent", "a", "--gpus", "2", "--", "python3", "train.py", "30")
    wait_for(lambda: (show(orgtui, waiting)["slurm"] or {}).get("state") == "PENDING")
    assert show(orgtui, waiting)["state"] == "queued"
    for job in (waiting, hog):
        orgtui("job", "cancel", str(job))
    for job in (waiting, hog):
        assert ended(orgtui, job)["state"] == "cancelled"
    assert not [line for line in squeue(".") if " PENDING" in line or " RUNNING" in line]


def test_a_job_slurm_refuses_fails_with_its_message(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir, constraint="nosuchfeature"))
    job = ended(orgtui, submit(orgtui, "--agent", "a", "--", "true"))
    assert job["state"] == "failed" and "Slurm refused it" in job["reason"]
    log = orgtui("job", "logs", str(job["id"])).stdout
    assert "Invalid feature specification" in log, log


def test_down_cancels_the_orgs_slurm_jobs(write_org, orgtui, repo, shared_dir):
    file = up(write_org, orgtui, repo, org(shared_dir))["file"]
    jobs = [submit(orgtui, "--agent", "ab"[i], "--", "python3", "train.py", "60") for i in (0, 1)]
    wait_for(lambda: all(show(orgtui, j)["state"] == "running" for j in jobs), timeout=30)
    ids = [show(orgtui, j)["slurm"]["job"] for j in jobs]
    orgtui("down", "--org", "slurmy")
    states = subprocess.run(["squeue", "-h", "-t", "all", "-j", ",".join(ids), "-o", "%T"],
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert states and all(s in ("CANCELLED", "COMPLETING") for s in states), states
    # With its orgd gone (SIGKILL), `down` cancels the org's Slurm jobs itself (one waiting
    # behind someone else's job that holds both GPUs).
    other = subprocess.run(["sbatch", "--parsable", "--gres=gpu:2", "-o", "/dev/null", "--wrap",
                            "sleep 60"], capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    try:
        orgtui("up", file)
        status = orgtui.status()
        job = submit(orgtui, "--agent", "a", "--", "python3", "train.py", "60")
        wait_for(lambda: (show(orgtui, job)["slurm"] or {}).get("state") == "PENDING", timeout=30)
        slurm_id = show(orgtui, job)["slurm"]["job"]
        os.kill(status["daemon_pid"], signal.SIGKILL)
        wait_for(lambda: not alive({status["daemon_pid"]}))
        done = orgtui("down", "--org", "slurmy")
        assert f"cancelled the org's Slurm jobs {slurm_id}" in done.stderr, done.stderr
        assert not squeue("slurmy")
    finally:
        subprocess.run(["scancel", other], check=False)


def test_orgd_killed_mid_job_readopts_by_slurm_job_id(write_org, orgtui, repo, shared_dir):
    status = up(write_org, orgtui, repo, org(shared_dir))
    long = submit(orgtui, "--agent", "a", "--gpus", "2", "--", "python3", "train.py", "3")
    pending = submit(orgtui, "--agent", "b", "--gpus", "2", "--", "python3", "train.py", "0.2")
    wait_for(lambda: show(orgtui, long)["state"] == "running", timeout=30)
    wait_for(lambda: show(orgtui, pending)["slurm"] is not None)
    os.kill(status["daemon_pid"], signal.SIGKILL)
    wait_for(lambda: not alive({status["daemon_pid"]}))
    orgtui("up", str(status["file"]))  # a new orgd: finds both in Slurm again
    first, second = ended(orgtui, long), ended(orgtui, pending)
    assert (first["state"], first["metrics"]) == ("ok", {"val_bpb": 0.9979}), first["reason"]
    assert (second["state"], second["metrics"]) == ("ok", {"val_bpb": 0.9979}), second["reason"]
    assert second["started_at"] >= first["ended_at"] - 0.5  # the GPUs were never shared


def test_a_requeued_job_runs_again(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir, requeue=True))
    job = submit(orgtui, "--agent", "a", "--", "python3", "train.py", "4")
    wait_for(lambda: show(orgtui, job)["state"] == "running", timeout=30)
    first = show(orgtui, job)["started_at"]
    slurm_id = show(orgtui, job)["slurm"]["job"]
    scontrol("requeue", slurm_id)  # what preemption with PreemptMode=REQUEUE does
    wait_for(lambda: show(orgtui, job)["state"] == "queued", timeout=30)
    scontrol("update", f"JobId={slurm_id}", "StartTime=now")  # Slurm holds a requeue 2 min
    done = ended(orgtui, job)
    assert done["state"] == "ok", done["reason"]
    assert done["started_at"] > first  # its second start on the node
    assert [e["state"] for e in done["events"]][-4:] == ["running", "queued", "running", "ok"]
    assert "requeued by Slurm" in orgtui("job", "logs", str(job)).stdout
