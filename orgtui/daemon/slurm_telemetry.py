"""The devices' telemetry on a Slurm cluster (`backend = "slurm"`): what Slurm says of them,
never this machine's NVML or /proc (the cluster's GPUs are not this machine's).

`SlurmTelemetry` goes before `Jobs` in `SlurmJobs`'s bases. On orgd's tick
(`sample_devices`) it has the partition's nodes read (`scontrol show node`, every
`NODES_EVERY` seconds) and the GPU use of the org's jobs on a node (`sstat`, every
`JOBS_EVERY` seconds; both at once when one of the org's jobs starts on a node), in a task of
its own, so a slow slurmctld never holds the tick; the latest readings are put on the devices
at each tick and before each status (the device list itself is read again from Slurm every
few seconds, without them).

A GPU (`<node>:gpu<i>`) gets its node's reading, whether Slurm has it allocated (to the org's
job holding it, or to another where Slurm says which of the node's GPUs are in use, or where
the counts leave no doubt), and its job's utilization and memory: the job's `sstat` figures
over its GPUs, or "not reported by Slurm" where the cluster does not gather them. A node of a
partition without GPUs (one device) gets its load over its CPUs and its memory allocated.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from orgtui.daemon.jobs import Jobs, JobsHost
from orgtui.scheduler.devices import Device
from orgtui.scheduler.slurm import SlurmRunner
from orgtui.scheduler.slurm_usage import (
    NOT_REPORTED,
    JobUsage,
    NodeUsage,
    UsageError,
    read_jobs,
    read_nodes,
)

log = logging.getLogger("orgd.slurm")
NODES_EVERY = 5.0
"""Seconds between readings of the nodes (Slurm itself refreshes a node's load about every
minute or two)."""
JOBS_EVERY = 10.0
"""Seconds between `sstat`s of the org's running jobs."""
NOT_REPORTED_WORDS = "not reported by Slurm"


def node_of(device: Device) -> str:
    """The node a device is on: `<node>:gpu<i>`, or a node of a partition without GPUs."""
    return device.id.rpartition(":gpu")[0] if device.kind == "gpu" else device.id


def fill(
    devices: Sequence[Device],
    nodes: Mapping[str, NodeUsage],
    held: Mapping[str, int],
    usage: Mapping[int, JobUsage],
) -> None:
    """Put Slurm's readings on the devices: `nodes` by name, `held`: the org's job holding
    each busy device, `usage`: those jobs' GPU use (a job not in it: not read yet)."""
    per_node: dict[str, int] = {}
    gpus_of: dict[int, int] = {}
    for device, holder in held.items():
        name = device.rpartition(":gpu")[0]
        per_node[name] = per_node.get(name, 0) + 1
        gpus_of[holder] = gpus_of.get(holder, 0) + 1
    for d in devices:
        reading = nodes.get(node_of(d))
        if reading is None:
            continue
        node = d.node = reading.node
        if d.kind == "cpu":
            load, cpus = node.cpu_load, node.cpus
            d.utilization = None if load is None or not cpus else min(100.0, 100 * load / cpus)
            d.memory_used_mb, d.memory_total_mb = node.memory_used_mb, node.memory_mb
            d.usage = "node"
            continue
        job = held.get(d.id)
        ours = per_node.get(node.name, 0)
        if job is not None or node.gpus_used >= node.gpus > 0:
            d.allocated = True
        elif reading.gpus_used_idx is not None:
            d.allocated = d.index in reading.gpus_used_idx
        else:  # only a count: free if the org's jobs account for it, else unknown
            d.allocated = False if node.gpus_used <= ours else None
        used = usage.get(job) if job is not None else None
        if used is None:
            d.utilization = d.memory_used_mb = None
            d.usage = ""
        elif used.gpu_util is None and used.gpu_mem_mb is None:
            d.utilization = d.memory_used_mb = None
            d.usage = NOT_REPORTED_WORDS
        else:
            n = max(1, gpus_of.get(job or 0, 1))
            d.utilization = None if used.gpu_util is None else min(100.0, used.gpu_util / n)
            d.memory_used_mb = None if used.gpu_mem_mb is None else used.gpu_mem_mb / n
            d.usage = "job"
        d.memory_total_mb = d.temperature = d.power_w = None  # Slurm does not say


class ClusterTelemetry:
    """The latest readings of the nodes and of the org's jobs' GPU use, and the task that
    reads them again when due."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.nodes: dict[str, NodeUsage] = {}
        self.jobs: dict[str, JobUsage] = {}
        """By Slurm job id."""
        self.task: asyncio.Task[None] | None = None
        self.next_nodes = self.next_jobs = 0.0
        self._said: set[str] = set()

    def refresh(self, nodes: list[str], slurm_ids: list[str]) -> None:
        """Start reading what is due (a job not read yet, and so its node, at once), unless a
        reading is under way."""
        if self.task is not None and not self.task.done():
            return
        now = self.clock()
        fresh = any(i not in self.jobs for i in slurm_ids)  # a job just started: its node too
        want_nodes = now >= self.next_nodes or fresh
        want_jobs = now >= self.next_jobs or fresh
        if not (want_nodes or want_jobs):
            return
        if want_nodes:
            self.next_nodes = now + NODES_EVERY
        if want_jobs:
            self.next_jobs = now + JOBS_EVERY
        read = self._read(nodes if want_nodes else None, slurm_ids if want_jobs else None)
        self.task = asyncio.get_running_loop().create_task(read)

    async def _read(self, nodes: list[str] | None, slurm_ids: list[str] | None) -> None:
        if nodes is not None:
            try:
                self.nodes = await asyncio.to_thread(read_nodes, nodes)
            except UsageError as e:
                self._warn(f"Slurm's nodes not read: {e}")
        if slurm_ids is not None:
            try:
                self.jobs = await asyncio.to_thread(read_jobs, slurm_ids)
            except UsageError as e:  # no sstat, or no answer: nothing reported
                self._warn(f"the jobs' use not read (sstat): {e}")
                self.jobs = dict.fromkeys(slurm_ids, NOT_REPORTED)

    def _warn(self, message: str) -> None:
        """Log a failure once (it may repeat every few seconds)."""
        if message not in self._said:
            self._said.add(message)
            log.warning("%s", message)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


class SlurmTelemetry(Jobs):
    """`Jobs` whose devices' telemetry is what Slurm says (a base of `SlurmJobs`)."""

    slurm: SlurmRunner

    def __init__(self, orgd: JobsHost) -> None:
        super().__init__(orgd)
        self.telemetry = ClusterTelemetry()

    def _held(self) -> dict[str, int]:
        """The org's job holding each of the devices that one holds."""
        ids = {d.id for d in self.devices}
        return {d: job for job, run in self.running.items() for d in run.devices if d in ids}

    def _fill(self) -> None:
        held = self._held()
        by_job = {job: self.telemetry.jobs[self.slurm.ids[job]] for job in set(held.values())
                  if self.slurm.ids.get(job) in self.telemetry.jobs}  # fmt: skip
        fill(self.devices, self.telemetry.nodes, held, by_job)

    async def sample_devices(self) -> None:
        """Have what is due read from Slurm (in the background), and put the latest readings
        on the devices."""
        held = self._held()
        nodes = sorted({node_of(d) for d in self.devices})
        jobs = sorted({self.slurm.ids[j] for j in held.values() if self.slurm.ids.get(j)})
        self.telemetry.refresh(nodes, jobs)
        self._fill()

    def status(self) -> dict[str, Any]:
        self._fill()  # the devices may have been read again from Slurm since the tick
        return super().status()

    async def close(self) -> None:
        await self.telemetry.stop()
        await super().close()
