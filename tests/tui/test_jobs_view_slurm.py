"""The side panel's Jobs section with `backend = "slurm"`: under a Slurm job's queued or
running row, Slurm's job id, state, node and partition, within 56 columns; a local job's
rows as before."""

from __future__ import annotations

from typing import Any

from orgtui.protocol.jobs import Job
from orgtui.protocol.status import ClusterJobStatus
from orgtui.tui.sidepanel.jobs import render_jobs
from tests.tui.test_jobs_view import device, job

NOW = 1000.0


def slurm(id: str, state: str, partition: str = "gpu", node: str = "") -> dict[str, Any]:
    """A job's `slurm` field as orgd sends it."""
    return {"job": id, "state": state, "partition": partition, "node": node, "queued_at": 1.0}


def render(jobs: list[Job], width: int = 56) -> list[str]:
    devices = [device("node1:gpu0", "gpu", name="NVIDIA H100", job=7)]
    return render_jobs(devices, {}, jobs, "val_bpb", NOW, width=width).plain.splitlines()


def under(lines: list[str], row: str) -> str:
    """The line after the one that starts with `row`."""
    return next(lines[i + 1] for i, line in enumerate(lines) if line.startswith(row))


def test_slurm_jobs_show_id_state_node_and_partition_in_56_columns() -> None:
    jobs = [
        job(7, "running", started_at=NOW - 150, device="node1:gpu0",
            slurm=slurm("4242", "RUNNING", node="node1")),
        job(8, "running", started_at=NOW - 30, device="gpu-node-017:gpu2,gpu-node-017:gpu3",
            agent="bob", slurm=slurm("1234567", "RUNNING", "a100", "gpu-node-017")),
        job(9, "queued", name="softcap 20", device="",
            slurm=slurm("4243", "PENDING")),
        job(10, "queued", name="a very long experiment name that goes on and on and on",
            device="", slurm=slurm("", "", "gpu-long")),
    ]  # fmt: skip
    lines = render(jobs)
    assert "Queue (2)" in lines and "Running (2)" in lines
    # Running: the row keeps its bar; the node's GPUs on it without the node, under it
    # Slurm's id, state, node and partition.
    assert under(lines, "      7 alice").strip() == "slurm 4242 RUNNING on node1 (gpu)"
    row7 = next(line for line in lines if line.startswith("      7 alice"))
    assert "gpu0   ██████░░░░░░ 150/300s" in row7 and "node1" not in row7
    row8 = next(line for line in lines if line.startswith("      8 bob"))
    assert "2 GPUs" in row8 and "30/300s" in row8
    assert under(lines, "      8 bob").strip() == "slurm 1234567 RUNNING on gpu-node-017 (a100)"
    # Queued: pending in Slurm, no node yet; one sbatch has not answered yet.
    assert under(lines, "      9 alice").strip() == "slurm 4243 PENDING (gpu)"
    assert under(lines, "     10 alice").strip() == "slurm (submitting) - (gpu-long)"
    assert all(len(line) <= 56 for line in lines), [line for line in lines if len(line) > 56]


def test_slurm_line_cut_to_the_width_and_local_jobs_unchanged() -> None:
    long = slurm(
        "98765432", "RUNNING", "a-partition-with-a-very-long-name", "a-node-with-a-long-name"
    )
    lines = render([job(7, "running", started_at=NOW - 150, device="a-node:gpu0", slurm=long)])
    slurm_line = under(lines, "      7 alice")
    assert slurm_line.startswith("        slurm 98765432 RUNNING on a-node-with-a-long-")
    assert len(slurm_line) == 56 and slurm_line.endswith("…")
    # A local job: its row as before and nothing under it but the next job.
    local = [job(7, "running", started_at=NOW - 150), job(8, "queued", name="softcap 20")]
    lines = render(local)
    assert "slurm" not in "\n".join(lines)
    assert under(lines, "Running (1)") == "      7 alice      gpu0   ██████░░░░░░ 150/300s"
    assert under(lines, "Queue (1)") == "      8 alice      softcap 20"
    assert under(lines, "      8 alice") == ""


def cluster(job: int, waiting: str) -> ClusterJobStatus:
    """A job of orgd's `scheduler.cluster` not in Slurm yet."""
    return ClusterJobStatus(job=job, slurm_job="", partition="gpu", state="", node="",
                            waiting=waiting)  # fmt: skip


def test_a_job_not_in_slurm_yet_says_why() -> None:
    """A queued job orgtui holds back (max_jobs) or is submitting has no Slurm id yet: the line
    under it says which, from orgd's `scheduler.cluster`."""
    jobs = [job(9, "queued", device=""), job(10, "queued", device=""), job(11, "queued", device=""),
            job(12, "queued", device="", slurm=slurm("4243", "PENDING"))]  # fmt: skip
    waits = [cluster(9, "submitting"), cluster(10, "waiting for a slot (max_jobs 4)"),
             cluster(11, "waiting for its agent's job (dedicated)"),
             ClusterJobStatus(12, "4243", "gpu", "PENDING", "")]  # fmt: skip
    devices = [device("node1:gpu0", "gpu", name="NVIDIA H100")]
    lines = render_jobs(devices, {}, jobs, "val_bpb", NOW, cluster=waits).plain.splitlines()
    assert under(lines, "      9 alice").strip() == "slurm — submitting"
    assert under(lines, "     10 alice").strip() == "slurm — waiting for a slot (max_jobs 4)"
    assert (
        under(lines, "     11 alice").strip() == "slurm — waiting for its agent's job (dedicated)"
    )
    assert under(lines, "     12 alice").strip() == "slurm 4243 PENDING (gpu)"
    assert all(len(line) <= 56 for line in lines)
    # Without orgd's word (a local org, or an older orgd) nothing is said.
    lines = render_jobs(devices, {}, jobs[:2], "val_bpb", NOW).plain.splitlines()
    assert "slurm" not in "\n".join(lines)
