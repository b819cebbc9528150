"""The side panel's Jobs section: sparklines, bars, and what it shows of devices and jobs;
and, over a real org, a finished job and the agent's last metric in its pane's title."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from orgtui.protocol.codec import decode
from orgtui.protocol.jobs import Job
from orgtui.protocol.status import DeviceStatus
from orgtui.tui.app import OrgApp
from orgtui.tui.sidepanel.jobs import bar, render_jobs, sparkline
from tests.helpers import wait_for_async
from tests.tui.test_app import start


def job(id: int, state: str, **over: Any) -> Job:
    """A job as orgd sends it: `over` for the fields a test cares about."""
    base = {"id": id, "agent": "alice", "name": f"run {id}", "kind": "experiment",
            "group": id, "reference": None, "state": state, "exit_code": None, "reason": "",
            "queued_at": 0.0, "started_at": None, "ended_at": None, "device": "gpu0",
            "device_type": "gpu", "gpus": 1, "branch": "program/x--alice", "commit": "0" * 40,
            "reproducible": True, "seed": 1, "budget": {"time": 300.0, "flops": None},
            "compute": dict.fromkeys(("wall_seconds", "device_seconds", "tokens", "flops",
                                      "params", "peak_mem_mb")),
            "metrics": {}, "command": ["python", "train.py"], "description": ""}  # fmt: skip
    return decode(Job, {**base, **over})


def device(id: str, kind: str, **over: Any) -> DeviceStatus:
    """A device as orgd's status sends it: `over` for the fields a test cares about."""
    base = {"id": id, "kind": kind, "index": int(id[-1]), "name": kind, "uuid": None,
            "memory_total_mb": None, "memory_used_mb": None, "utilization": None,
            "temperature": None, "power_w": None, "lost": False, "cores": [], "job": None}  # fmt: skip
    return decode(DeviceStatus, {**base, **over})


def test_sparkline_and_bar() -> None:
    line = sparkline([0, 12.5, 50, 100, None], 5)
    assert line == " ▁▄█ "
    assert sparkline([100] * 90, 10) == "█" * 10  # the latest only
    assert bar(0.5, 10) == "█████░░░░░" and bar(2, 4) == "████" and bar(-1, 3) == "░░░"


def test_render_devices_queue_running_finished() -> None:
    now = 1000.0
    devices = [
        device("gpu0", "gpu", name="NVIDIA H100", utilization=87.0, memory_used_mb=40960.0,
               memory_total_mb=81920.0, temperature=None, power_w=310.0, job=7),
        device("gpu1", "gpu", name="NVIDIA H100", lost=True, job=None),
        device("cpu0", "cpu", name="cpu", cores=[0, 1], job=None),
    ]  # fmt: skip
    jobs = [
        job(4, "ok", metrics={"val_bpb": 2.69995}),
        job(5, "ok", metrics={"val_bpb": 0.99794}),
        job(6, "failed", agent="bob"),
        job(7, "running", started_at=now - 150),
        job(8, "queued", name="softcap 20"),
    ]
    text = render_jobs(devices, {"gpu0": ([50, 87], [40, 50])}, jobs, "val_bpb", now).plain
    assert "gpu0" in text and "job 7" in text and "87%" in text and "40/80G" in text
    assert "n/a°C" in text and "310 W" in text  # an unsupported reading shows as n/a
    assert "gpu1 LOST" in text and "CPU slot, 2 cores" in text
    assert "Queue (1)" in text and "softcap 20" in text
    assert "Running (1)" in text and "██████░░░░░░ 150/300s" in text
    finished = text.split("Finished")[1]
    assert finished.index("6") < finished.index("5")  # newest first
    assert "val_bpb 0.9979" in finished and "failed" in finished
    assert "val_bpb 2.700" in finished  # 4 digits always, so a column of results lines up


ORG_JOBS = """
[org]
name = "cockpit"
repo = "{repo}"

[[agent]]
name = "keys"
command = ["bash", "--norc", "--noprofile"]

[[agent]]
name = "shell"
command = ["bash", "--norc", "--noprofile"]

[[agent]]
name = "third"
command = ["bash", "--norc", "--noprofile"]

[scheduler]
devices = "cpu"
cpu_slots = 2
mode = "dedicated"
"""


def test_jobs_section_and_the_title_metric_over_a_real_org(write_org, orgtui):
    rt = start(lambda text: write_org(ORG_JOBS), orgtui)
    out = orgtui(
        "job", "submit", "--agent", "shell", "--json", "--", "sh", "-c", "echo val_bpb: 1.234"
    )
    submitted = json.loads(out.stdout)["id"]

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for_async(lambda: len(app.panes) == 3, pilot.pause)
            await pilot.press("o")
            await wait_for_async(
                lambda: app.panel is not None and app.panel.section == "jobs", pilot.pause
            )
            view = app.panel.jobs
            await wait_for_async(
                lambda: f"{submitted:>5} shell" in str(view.render()),
                pilot.pause,
                timeout=15,
                what="the finished job in the Jobs section",
            )
            shown = str(view.render())
            assert "cpu0" in shown and "cpu1" in shown and "val_bpb 1.234" in shown
            shell = app.panes["shell"]
            await wait_for_async(
                lambda: "val_bpb 1.234" in str(shell.subtitle), pilot.pause, what="the title"
            )
            assert "dev cpu1" in str(shell.subtitle)  # its own device in dedicated mode

    asyncio.run(main())
