"""Device telemetry from a real Slurm (`conftest.slurm`): a running job's node shows the GPU
and CPUs Slurm allocated it and the load Slurm reports, and the org's GPU that job holds
shows it allocated, its use "not reported by Slurm" (this cluster gathers none), read through
`SlurmTelemetry.sample_devices` on a small `Jobs` of its own (devices, running jobs and their
Slurm ids; nothing else of orgd)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from types import SimpleNamespace
from typing import Any

from orgtui.daemon.slurm_telemetry import NOT_REPORTED_WORDS, ClusterTelemetry, SlurmTelemetry
from orgtui.scheduler import slurm_cluster
from orgtui.scheduler.slurm_usage import NOT_REPORTED, read_jobs, read_nodes
from tests.helpers import wait_for


class Cluster(SlurmTelemetry):
    """Just what the telemetry reads of SlurmJobs: its devices, running jobs, Slurm ids."""

    def __init__(self, devices: list[Any], running: dict[int, Any], ids: dict[int, str]) -> None:
        self.devices = devices
        self.running = running
        self.slurm = SimpleNamespace(ids=ids)
        self.telemetry = ClusterTelemetry()


def run(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


async def sample(cluster: Cluster) -> None:
    await cluster.sample_devices()  # starts the reading
    assert cluster.telemetry.task is not None
    await cluster.telemetry.task
    await cluster.sample_devices()  # puts it on the devices


def test_a_running_jobs_node_and_gpu_as_slurm_reports_them(slurm: str, tmp_path):
    devices, _ = slurm_cluster.devices(slurm)
    node = devices[0].id.rpartition(":gpu")[0]
    before = read_nodes([node])[node].node
    job = run("sbatch", "--parsable", "-p", slurm, "--gres=gpu:1", "-c", "2",
                "-o", str(tmp_path / "out"), "--wrap", "sleep 60").strip()  # fmt: skip
    try:
        wait_for(lambda: run("squeue", "-h", "-j", job, "-o", "%T").strip() == "RUNNING",
                 timeout=30, what=f"Slurm job {job} to run")  # fmt: skip
        shown = run("scontrol", "show", "job", "-d", "-o", job)
        index = int(re.search(r"GRES=gpu:1\(IDX:(\d+)\)", shown).group(1))
        now = read_nodes([node])[node].node
        assert now.gpus == 2 and now.gpus_used == before.gpus_used + 1
        assert now.cpus == 8 and now.cpus_used == before.cpus_used + 2
        # Slurm may add flags to the state (MIXED+PLANNED: its backfill plans on the node).
        assert now.state.split("+")[0] in ("MIXED", "ALLOCATED") and now.cpu_load is not None
        assert read_jobs([job]) == {job: NOT_REPORTED}  # no job accounting here: not zeros

        held = f"{node}:gpu{index}"
        cluster = Cluster(devices, {7: SimpleNamespace(devices=(held,))}, {7: job})
        asyncio.run(sample(cluster))
        mine = next(d for d in devices if d.id == held)
        assert mine.node is not None
        assert (mine.node.gpus_used, mine.node.cpus_used) == (now.gpus_used, now.cpus_used)
        assert mine.allocated is True and mine.usage == NOT_REPORTED_WORDS
        other = next(d for d in devices if d.id != held)
        assert other.allocated is (now.gpus_used == 2) and other.usage == ""
        assert mine.utilization is None and mine.memory_used_mb is None  # never local NVML
        assert cluster.telemetry.jobs == {job: NOT_REPORTED}
    finally:
        subprocess.run(["scancel", job], check=False)
