"""CPU slots' telemetry, sampled on orgd's tick as GPUs' is: each slot's utilization (the CPU
time its job's processes used since the last sample, over that time and the slot's cores, in
percent) and the resident memory of those processes, read from /proc.

A job's processes are its process group (the wrapper starts the job as a group's leader) and
any descendant that left the group. Their CPU time is each one's own plus its reaped
children's (`cutime`, `cstime`), so a child that ended between two samples still counts, once.
A free slot reads 0; a job's first sample has no utilization yet (None: "n/a"). Its memory is
the sum of its processes' resident sets; the slot's total is the machine's memory.

One pass over /proc serves every slot, and none is made while no CPU slot holds a job: the cost
grows with the machine's processes, not with the slots (`bench/cpu_telemetry.py` measures it).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from orgtui.scheduler.devices import Device

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Proc:
    """What a sample needs of one process."""

    ppid: int
    pgrp: int
    ticks: int
    """utime + stime + cutime + cstime, in clock ticks."""
    rss: int
    """Resident pages."""


def read_procs(root: str = "/proc") -> dict[int, Proc]:
    """Every process's parent, group, CPU time and resident pages, by pid (one that ends while
    this reads is left out)."""
    procs = {}
    for entry in os.scandir(root):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"{root}/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[0] is the stat file's 3rd field (state): ppid 4, pgrp 5, utime..cstime
        # 14-17, rss 24.
        ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        procs[int(entry.name)] = Proc(int(fields[1]), int(fields[2]), ticks, int(fields[21]))
    return procs


def job_processes(procs: Mapping[int, Proc], leader: int) -> set[int]:
    """The pids of the job led by `leader`: its process group and their descendants."""
    children: dict[int, list[int]] = {}
    for pid, p in procs.items():
        children.setdefault(p.ppid, []).append(pid)
    found = {pid for pid, p in procs.items() if p.pgrp == leader}
    if leader in procs:
        found.add(leader)
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@functools.cache
def memory_total_mb() -> float | None:
    """The machine's memory (MemTotal), in MiB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class CpuTelemetry:
    """Samples CPU slots; keeps each slot's last reading (its job's leader, CPU ticks, when)
    for the next sample's utilization."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last: dict[str, tuple[int, int, float]] = {}

    def sample(
        self,
        devices: Sequence[Device],
        held: Mapping[str, int],
        job_pid: Callable[[int], int | None],
    ) -> None:
        """Fill in each CPU slot's utilization and memory; `held`: the job holding each busy
        device (by device id), `job_pid`: a job's leader pid (None: not known)."""
        slots = [d for d in devices if d.kind == "cpu"]
        leaders = {d.id: job_pid(held[d.id]) for d in slots if d.id in held}
        procs = read_procs() if any(leaders.values()) else {}
        now = self.clock()
        for d in slots:
            d.memory_total_mb = memory_total_mb()
            leader = leaders.get(d.id)
            if leader is None:
                d.utilization, d.memory_used_mb = (None if d.id in held else 0.0), 0.0
                self.last.pop(d.id, None)
                continue
            tree = job_processes(procs, leader)
            ticks = sum(procs[p].ticks for p in tree)
            d.memory_used_mb = sum(procs[p].rss for p in tree) * PAGE_BYTES / 2**20
            last = self.last.get(d.id)
            self.last[d.id] = (leader, ticks, now)
            if last is None or last[0] != leader or now <= last[2]:
                d.utilization = None
                continue
            seconds = max(0, ticks - last[1]) / CLOCK_TICKS
            d.utilization = min(100.0, 100 * seconds / ((now - last[2]) * max(1, len(d.cores))))
