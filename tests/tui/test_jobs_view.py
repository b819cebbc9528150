"""The side panel's Jobs section: sparklines, bars, and what it shows of devices, jobs and
groups' verdicts; and, over a real org, a finished job, its group's verdict and the agent's
last metric and verdict in its pane's title."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from orgtui.protocol.codec import decode
from orgtui.protocol.groups import Group
from orgtui.protocol.jobs import Job
from orgtui.protocol.status import DeviceStatus
from orgtui.tui.app import OrgApp
from orgtui.tui.sidepanel.devices import sparkline
from orgtui.tui.sidepanel.jobs import bar, render_jobs, render_verdicts
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
            "metrics": {}, "command": ["python", "train.py"], "description": "",
            "slurm": None}  # fmt: skip
    return decode(Job, {**base, **over})


def device(id: str, kind: str, **over: Any) -> DeviceStatus:
    """A device as orgd's status sends it: `over` for the fields a test cares about."""
    base = {"id": id, "kind": kind, "index": int(id[-1]), "name": kind, "uuid": None,
            "memory_total_mb": None, "memory_used_mb": None, "utilization": None,
            "temperature": None, "power_w": None, "lost": False, "cores": [],
            "job": None}  # fmt: skip
    return decode(DeviceStatus, {**base, **over})


def verdict(word: str, **over: Any) -> dict[str, Any]:
    """A verdict as orgd sends it (in a group): `over` for the fields a test cares about."""
    base: dict[str, Any] = {"verdict": word, "metric": "val_bpb", "goal": "minimize", "mean": None,
            "reference_mean": None, "delta": None, "ci": None, "sigma": None, "df": None,
            "comparisons": "", "compute_ratio": dict.fromkeys(("flops", "tokens", "wall",
                                                               "params")),
            "flags": [], "reason": ""}  # fmt: skip
    return {**base, **over}


def group(id: int, v: dict[str, Any] | None = None, **over: Any) -> Group:
    """A group as orgd sends it, its verdict `v`: `over` for the fields a test cares about."""
    base = {"id": id, "kind": "experiment", "agent": "alice", "commit": "0" * 40,
            "budget": {"time": 300.0, "flops": 5e10}, "jobs": [1, 2, 3], "seeds": [1, 2, 3],
            "state": "ended", "reference": None, "verdict": v, "description": "",
            "clean": True}  # fmt: skip
    return decode(Group, {**base, **over})


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
    assert "g6" in finished.splitlines()[1]  # each job's group


def test_render_verdicts_newest_first_coloured_with_delta_in_sigmas() -> None:
    groups = [
        group(1, kind="baseline", agent="baseline", jobs=[1, 2]),
        group(2, verdict("better", delta=-0.0192, sigma=0.004), reference=1,
              description="softcap 20 on the logits\nmore on a second line"),
        group(3, verdict("within_noise", delta=-0.0058, sigma=0.009), agent="bob", reference=1),
        group(4, verdict("worse", delta=0.0108, sigma=0.003), jobs=[9]),
        group(5, verdict("invalid", reason="a seed failed: job 13 failed (exit 1)")),
        group(6, verdict("more_compute", delta=-0.09, sigma=0.004, reason="FLOPs 1.52x")),
    ]  # fmt: skip
    jobs = [job(1, "ok", group=1, metrics={"val_bpb": 2.698}),
            job(2, "ok", group=1, metrics={"val_bpb": 2.702}),
            job(3, "failed", group=1, metrics={"val_bpb": 9.0})]  # fmt: skip
    text = render_verdicts(groups, jobs, "val_bpb")
    lines = text.plain.splitlines()
    heads = [line for line in lines if line.startswith("  g")]
    assert [h.split()[0] for h in heads] == ["g6", "g5", "g4", "g3", "g2", "g1"]
    by_group = {h.split()[0]: h for h in heads}
    assert "✓ better" in by_group["g2"] and "Δ -0.0192 (-4.8σ)" in by_group["g2"]
    assert "bob" in by_group["g3"] and "≈ within noise  Δ -0.0058 (-0.6σ)" in by_group["g3"]
    assert "✗ worse" in by_group["g4"] and "(+3.6σ)" in by_group["g4"]
    assert "! invalid" in by_group["g5"] and "Δ" not in by_group["g5"]
    assert "+ more compute" in by_group["g6"]
    # A baseline: its kind and the mean of its ok seeds (the failed one left out).
    assert "baseline" in by_group["g1"] and "val_bpb 2.700" in by_group["g1"]
    # Under each: seeds, reference, the description's first line; why, when not compared.
    after = {lines[i].split()[0]: lines[i + 1].strip() for i, line in enumerate(lines)
             if line.startswith("  g")}  # fmt: skip
    assert after["g2"] == "3 seeds vs g1 · softcap 20 on the logits"
    assert after["g4"] == "1 seed" and after["g1"] == "2 seeds"
    assert "a seed failed: job 13 failed (exit 1)" in text.plain
    assert "FLOPs 1.52x" in text.plain
    styles = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert styles["✓ better      "] == "green" and styles["✗ worse       "] == "red"
    assert styles["≈ within noise"] == "dim" and styles["! invalid     "] == "magenta"
    assert styles["+ more compute"] == "yellow"


def test_render_verdicts_pending_and_fits_56_columns() -> None:
    long = "a change described at such length that it would not fit on one line " * 2
    groups = [
        group(7, verdict("pending", reason="2 of its 3 seeds have not ended"), state="running",
              jobs=[17, 18, 19], reference=1, description=long),
        group(8, verdict("pending", reason="its reference, group 1, is still running")),
        group(9, verdict("invalid", reason=long)),
    ]  # fmt: skip
    jobs = [job(17, "ok", group=7), job(18, "running", group=7), job(19, "queued", group=7)]
    text = render_verdicts(groups, jobs, "val_bpb", width=56).plain
    assert "3 seeds vs g1, 1 running, 1 queued · a change" in text
    assert "have not ended" not in text  # the line above says so
    assert "its reference, group 1, is still running" in text  # its own seeds all ended
    assert all(len(line) <= 56 for line in text.splitlines())
    assert "…" in text  # cut where too long


def test_render_jobs_shows_the_latest_verdicts() -> None:
    groups = [group(i, verdict("within_noise", delta=0.0, sigma=0.01)) for i in range(1, 12)]
    text = render_jobs([], {}, [], "val_bpb", 0.0, groups=groups, verdicts=3).plain
    shown = text.split("Verdicts")[1].split("Finished")[0]
    assert "g11" in shown and "g9" in shown and "g8 " not in shown
    assert "Verdicts" in render_jobs([], {}, [], "val_bpb", 0.0).plain  # none yet


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
            # Its group, judged (one seed, no baseline in this org: invalid), in the Verdicts
            # block the app polls with the jobs, and at the end of the pane's title.
            await wait_for_async(
                lambda: "! invalid" in str(view.render()).split("Verdicts")[1],
                pilot.pause,
                what="the group's verdict in the Jobs section",
            )
            await wait_for_async(
                lambda: "! invalid g" in shell.title.plain, pilot.pause, what="the verdict"
            )

    asyncio.run(main())
