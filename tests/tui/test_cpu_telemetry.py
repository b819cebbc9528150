"""CPU slots' telemetry over a real org: a job burning a core on a CPU slot shows its
utilization and memory in `orgtui status --json`, and its sparklines in the cockpit's Jobs
section; the free slot reads 0. The pure parts (a job's processes, a sample) on their own."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from orgtui.config.runtime import resolve
from orgtui.scheduler.cpu_telemetry import CpuTelemetry, Proc, job_processes, read_procs
from orgtui.scheduler.devices import cpu_slots
from orgtui.tui.app import OrgApp
from orgtui.tui.sidepanel.jobs import render_jobs
from tests.helpers import agent_toml, org_toml, wait_for, wait_for_async
from tests.tui.test_jobs_view import device

ORG = org_toml(
    "cputel",
    agent_toml("a"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    """,
)
BURN = [sys.executable, "-c", "b = bytearray(64 << 20)\nwhile True: pass"]  # 64 MiB, a core


def test_job_processes_are_its_group_and_its_descendants() -> None:
    procs = {
        10: Proc(1, 10, 5, 1),  # the leader
        11: Proc(10, 10, 7, 2),  # its child, in its group
        12: Proc(11, 12, 1, 4),  # a grandchild that made a group of its own
        13: Proc(1, 10, 1, 8),  # in its group, reparented to init
        20: Proc(1, 20, 100, 100),  # another job
    }
    assert job_processes(procs, 10) == {10, 11, 12, 13}
    assert job_processes(procs, 99) == set()


def test_a_sample_of_this_process_and_a_free_slot() -> None:
    now = [0.0]
    telemetry = CpuTelemetry(clock=lambda: now[0])
    slots = cpu_slots(2, cores=[0, 1])
    me = os.getpid()
    telemetry.sample(slots, {"cpu0": 1}, lambda job: me)
    busy, free = slots
    assert busy.utilization is None and busy.memory_used_mb and busy.memory_used_mb > 1
    assert (free.utilization, free.memory_used_mb) == (0.0, 0.0) and free.memory_total_mb
    before = read_procs()[me].ticks
    while read_procs()[me].ticks < before + 10:  # 0.1 s of CPU at 100 ticks a second
        pass
    now[0] = 0.2  # 0.2 s later, by the sampler's clock: about half of one core
    telemetry.sample(slots, {"cpu0": 1}, lambda job: me)
    assert busy.utilization is not None and 30 < busy.utilization <= 100


def test_a_job_burning_a_cpu_slot_shows_in_status_and_in_the_jobs_section(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    out = orgtui("job", "submit", "--agent", "a", "--time", "60s", "--json", "--", *BURN)
    job = json.loads(out.stdout)["id"]

    def burning() -> dict | None:
        devices = orgtui.status()["scheduler"]["devices"]
        held = next((d for d in devices if d["job"] == job), None)
        ok = held and (held["utilization"] or 0) > 50 and held["memory_used_mb"] > 64
        return {d["id"]: d for d in devices} if ok else None

    devices = wait_for(burning, timeout=30, what=f"job {job}'s slot busy in status")
    (slot,) = [d for d in devices.values() if d["job"] == job]
    (free,) = [d for d in devices.values() if d["job"] is None]
    assert free["utilization"] == 0 and free["memory_used_mb"] == 0
    assert slot["memory_total_mb"] > slot["memory_used_mb"]

    async def main() -> None:
        app = OrgApp(resolve("cputel"))
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.press("o")
            await wait_for_async(
                lambda: app.panel is not None and app.panel.section == "jobs", pilot.pause
            )
            view = app.panel.jobs

            def util_line() -> str:
                text = str(view.render())
                block = text.split(f"  {slot['id']}", 1)[-1]
                return next((ln for ln in block.splitlines() if "util" in ln), "")

            # Busy for a few samples: the line's sparkline shows the high blocks.
            await wait_for_async(
                lambda: util_line().count("█") + util_line().count("▇") >= 2,
                pilot.pause,
                timeout=20,
                what=f"{slot['id']}'s utilization sparkline",
            )
            mem = str(view.render()).split(f"  {slot['id']}", 1)[1].splitlines()[2]
            assert mem.strip().startswith("mem") and "M/" in mem and "▁" in mem, mem

    asyncio.run(main())
    orgtui("job", "cancel", str(job))


def test_render_a_cpu_slot_with_its_sparklines() -> None:
    slot = device("cpu0", "cpu", cores=[0], utilization=98.0, memory_used_mb=312.0,
                  memory_total_mb=16384.0, job=3)  # fmt: skip
    text = render_jobs([slot], {"cpu0": ([None, 50, 98], [1, 2])}, [], "val_bpb", 0.0).plain
    lines = text.splitlines()
    assert "util" in lines[2] and lines[2].rstrip().endswith("▄█ 98%")
    assert "mem" in lines[3] and lines[3].rstrip().endswith("▁▁ 312M/16G")
    assert "CPU slot, 1 core: its job's processes" in lines[4]
