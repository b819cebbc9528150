"""Slurm's own ends of a job, on the real Slurm (`conftest.slurm`: one node, vm), as a user
sees them in `job show`: Slurm's time limit (TIMEOUT) ends it `timeout`; its node failing
(NODE_FAIL) or a preemption (PREEMPTED) ends it `lost`, or queues it again with `requeue =
true`; a job Slurm requeues when the org said `requeue = false` ends `lost`, saying so, and
is not run again. Each with the reason.

The node is set DOWN here: whatever happens, it is resumed and idle again before the test
ends (`node_down`). A job in partition `urgent` preempts the org's. OUT_OF_MEMORY needs
Slurm's memory enforcement (cgroups), which this Slurm lacks: its mapping is tested alone."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from orgtui.scheduler.slurm import ENDS, slurm_end
from tests.helpers import wait_for
from tests.slurm.test_slurm_jobs import ended, org, show, submit, up

NODE = "vm"


def scontrol(*args: str) -> str:
    return subprocess.run(["scontrol", *args], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def node_state() -> str:
    out = scontrol("show", "node", "-o", NODE)
    return out.split("State=", 1)[1].split()[0]


@contextmanager
def node_down(reason: str) -> Iterator[None]:
    """The node DOWN (Slurm ends or requeues its jobs: NODE_FAIL); back up and idle after."""
    try:
        scontrol("update", f"NodeName={NODE}", "State=DOWN", f"Reason={reason}")
        yield
    finally:  # (this Slurm's ReturnToService=2 may have taken it back already: then a no-op)
        subprocess.run(["scontrol", "update", f"NodeName={NODE}", "State=RESUME"],
                       capture_output=True, check=False)  # fmt: skip
        wait_for(lambda: node_state().split("+")[0] == "IDLE", timeout=30,
                 what=f"{NODE} idle again")  # fmt: skip


def runs_again(orgtui, job: int, slurm_id: str, first: float) -> None:
    """A job Slurm requeued (it is `queued` again) runs again from its start, and its log says
    why; then it is cancelled."""
    scontrol("update", f"JobId={slurm_id}", "StartTime=now")  # Slurm holds a requeue 2 min
    wait_for(lambda: show(orgtui, job)["state"] == "running", timeout=30)
    assert show(orgtui, job)["started_at"] > first
    orgtui("job", "cancel", str(job))
    assert "requeued by Slurm" in orgtui("job", "logs", str(job)).stdout


def running(orgtui, *args: str) -> tuple[int, str]:
    """A job submitted and running on the node; it and its Slurm job id."""
    job = submit(orgtui, "--agent", "a", *args, "--", "python3", "train.py", "120")
    wait_for(lambda: show(orgtui, job)["state"] == "running", timeout=30)
    return job, show(orgtui, job)["slurm"]["job"]


def test_slurms_time_limit_ends_a_job_timeout(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir, "a", requeue=False))
    job, slurm_id = running(orgtui)
    scontrol("update", f"JobId={slurm_id}", "TimeLimit=0")  # past its time limit now
    done = ended(orgtui, job)
    assert done["state"] == "timeout", done["reason"]
    assert done["reason"] == ENDS["TIMEOUT"][1]
    assert done["slurm"]["state"] == "TIMEOUT"


def test_a_node_failure_loses_the_job_or_requeues_it(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir, "a", requeue=False))
    job, _ = running(orgtui)
    with node_down("orgtui test: node failure"):
        done = ended(orgtui, job)
    assert (done["state"], done["reason"]) == ("lost", "its node failed (NODE_FAIL)")
    assert done["slurm"]["state"] == "NODE_FAIL"
    # With requeue = true Slurm puts it back in its queue: queued again, then run again.
    orgtui("down", "--org", "slurmy")
    orgtui("up", str(write_org(org(shared_dir, "a", requeue=True))))
    job, slurm_id = running(orgtui, "--time", "20s")
    first = show(orgtui, job)["started_at"]
    with node_down("orgtui test: node failure"):
        wait_for(lambda: show(orgtui, job)["state"] == "queued", timeout=30)
    runs_again(orgtui, job, slurm_id, first)


def preempt() -> None:
    """A job in partition `urgent` (a higher priority tier, `scripts/slurm-up.sh`) that wants
    both GPUs: Slurm preempts what holds them."""
    subprocess.run(["sbatch", "-p", "urgent", "--gres=gpu:2", "-o", "/dev/null", "--wrap", "true"],
                   check=True, capture_output=True)  # fmt: skip


def test_a_preempted_job_is_lost_or_requeued(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir, "a", requeue=False))
    job, _ = running(orgtui, "--gpus", "2")
    preempt()
    done = ended(orgtui, job)
    assert (done["state"], done["reason"]) == ("lost", "preempted by Slurm (PREEMPTED)")
    assert done["slurm"]["state"] == "PREEMPTED"
    # With requeue = true it goes back to Slurm's queue and runs again from its start.
    orgtui("down", "--org", "slurmy")
    orgtui("up", str(write_org(org(shared_dir, "a", requeue=True))))
    job, slurm_id = running(orgtui, "--gpus", "2", "--time", "20s")
    first = show(orgtui, job)["started_at"]
    preempt()
    wait_for(lambda: show(orgtui, job)["state"] == "queued", timeout=30)
    runs_again(orgtui, job, slurm_id, first)


def test_with_requeue_false_a_requeued_job_is_not_run_again(write_org, orgtui, repo, shared_dir):
    up(write_org, orgtui, repo, org(shared_dir, "a", requeue=False))
    job, slurm_id = running(orgtui, "--time", "3s")
    # orgtui submits it --no-requeue: Slurm refuses to requeue it, it runs on to its end.
    refused = subprocess.run(["scontrol", "requeue", slurm_id], capture_output=True, text=True)
    assert refused.returncode != 0, refused.stdout
    done = ended(orgtui, job)
    assert [e["state"] for e in done["events"]][-2:] == ["running", "timeout"], done["events"]
    # Requeued all the same (here: the org's own sbatch_args say --requeue), it ends `lost`,
    # saying why, and is cancelled in Slurm rather than run again.
    orgtui("down", "--org", "slurmy")
    orgtui("up", str(write_org(org(shared_dir, "a", requeue=False, sbatch_args=["--requeue"]))))
    job, slurm_id = running(orgtui)
    scontrol("requeue", slurm_id)
    done = ended(orgtui, job)
    assert done["state"] == "lost", done["reason"]
    assert done["reason"] == (
        "requeued by Slurm (restart 1), and [scheduler.slurm] requeue = false: cancelled, "
        "not run again"
    )
    states = subprocess.run(["squeue", "-h", "-t", "all", "-j", slurm_id, "-o", "%T"],
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert states == ["CANCELLED"], states
    assert "requeue = false" in orgtui("job", "logs", str(job)).stdout


def test_slurms_end_states_map_to_outcomes():
    """What Slurm's end state says over the wrapper's status: when the wrapper died with the
    job (no status) or was stopped from outside (`terminated`), Slurm's state decides; when
    the wrapper ended the job itself, its outcome stands. OUT_OF_MEMORY is tested here only:
    this Slurm enforces no memory limit."""
    oom = slurm_end("OUT_OF_MEMORY", None)
    assert oom == ("failed", "out of memory (Slurm's OUT_OF_MEMORY)")
    assert slurm_end("PREEMPTED", {"terminated": 15, "exit_code": None}) == (
        "lost", "preempted by Slurm (PREEMPTED)")  # fmt: skip
    assert slurm_end("NODE_FAIL", None) == ("lost", "its node failed (NODE_FAIL)")
    assert slurm_end("BOOT_FAIL", None) == ("lost", "its node did not boot (BOOT_FAIL)")
    assert slurm_end("TIMEOUT", {"terminated": 15}) == ENDS["TIMEOUT"]
    assert slurm_end("CANCELLED", {"terminated": 15}) == (
        "cancelled",
        "cancelled in Slurm (scancel)",
    )
    # The wrapper's own end (its budget, the job's exit) is not Slurm's to overrule.
    assert slurm_end("TIMEOUT", {"timed_out": True, "exit_code": None}) is None
    assert slurm_end("OUT_OF_MEMORY", {"exit_code": 1}) is None
    assert slurm_end("COMPLETED", None) is None and slurm_end("FAILED", None) is None
