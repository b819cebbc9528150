"""The Jobs section's devices (`tui/sidepanel/devices.py`): this machine's as they always
were, and a Slurm cluster's as Slurm reports them: a line per node, each GPU with the org's
job or another's, a job's GPU use or "not reported by Slurm" (never a 0), a drained node and
why; and a device as orgd's status sends it (`Device.to_json`) is one the cockpit reads."""

from __future__ import annotations

from orgtui.daemon.slurm_telemetry import fill
from orgtui.protocol.codec import decode
from orgtui.protocol.status import DeviceStatus
from orgtui.scheduler.devices import Device
from orgtui.scheduler.slurm_usage import NOT_REPORTED, JobUsage, parse_nodes
from orgtui.tui.sidepanel.devices import render_devices
from orgtui.tui.sidepanel.jobs import render_jobs
from tests.tui.test_jobs_view import device

NODE = ("NodeName=node1 CPUAlloc=3 CPUTot=8 CPULoad=0.51 Gres=gpu:4 "
        "GresUsed=gpu:3(IDX:0-2) RealMemory=2000 AllocMem=512 FreeMem=19874 State=MIXED")  # fmt: skip
DRAINED = ("NodeName=node2 CPUAlloc=0 CPUTot=8 CPULoad=0.02 Gres=gpu:2 GresUsed=gpu:0 "
           "RealMemory=2000 AllocMem=0 FreeMem=1900 State=IDLE+DRAIN "
           "Reason=bad fan [root@2026-12-05T10:00:00]")  # fmt: skip


def cluster() -> list[DeviceStatus]:
    """node1's 4 GPUs (job 12 on gpu0 with its use reported, job 13 on gpu1 without, gpu2
    another's, gpu3 free) and drained node2's 2, as orgd's status sends them."""
    gpus = [Device(id=f"{n}:gpu{i}", kind="gpu", index=i, name=n)
            for n, count in (("node1", 4), ("node2", 2)) for i in range(count)]  # fmt: skip
    usage = {12: JobUsage(87, 4096), 13: NOT_REPORTED}
    fill(gpus, parse_nodes(f"{NODE}\n{DRAINED}"), {"node1:gpu0": 12, "node1:gpu1": 13}, usage)
    held = {"node1:gpu0": 12, "node1:gpu1": 13}
    return [decode(DeviceStatus, {**g.to_json(), "job": held.get(g.id)}) for g in gpus]


def test_this_machines_devices_as_before() -> None:
    devices = [
        device("gpu0", "gpu", name="NVIDIA H100", utilization=87.0, memory_used_mb=40960.0,
               memory_total_mb=81920.0, power_w=310.0, job=7),
        device("gpu1", "gpu", name="NVIDIA H100", lost=True),
        device("cpu0", "cpu", name="cpu", cores=[0, 1], memory_used_mb=75.0,
               memory_total_mb=24576.0, job=3),
    ]  # fmt: skip
    history = {"gpu0": ([50, 87], [40, 50])}
    mine = render_devices(devices, history, 56, "3 agents share 2 devices").plain
    assert render_jobs(devices, history, [], "val_bpb", 0.0, sharing="3 agents share 2 devices"
                       ).plain.startswith(mine)  # fmt: skip
    assert "87%" in mine and "40/80G" in mine and "75M/24G" in mine and "gpu1 LOST" in mine


def test_a_slurm_clusters_nodes_and_gpus() -> None:
    devices = cluster()
    text = render_devices(devices, {"node1:gpu0": ([50, 87], [None, None])}, 56)
    lines = text.plain.splitlines()
    at = lines.index("  node1  MIXED")
    assert lines[at + 1] == "    GPUs 3/4  CPUs 3/8  load 0.51  mem 512M/2.0G"
    gpu0, util, mem, gpu1, why, gpu2, gpu3 = lines[at + 2 : at + 9]
    assert gpu0.split() == ["gpu0", "job", "12"] and util.endswith(" 87%")
    assert mem == "      mem  4.0G (its job's)"  # Slurm gives no GPU's total
    assert gpu1.split() == ["gpu1", "job", "13"]
    assert why.strip() == "GPU use not reported by Slurm" and "0%" not in why
    assert gpu2.split()[1:] == ["in", "use", "(not", "the", "org's)"]
    assert gpu3.split() == ["gpu3", "free"]
    assert "°C" not in text.plain  # no NVML readings on a cluster
    drained = next(line for line in lines if line.startswith("  node2"))
    assert drained == "  node2  IDLE+DRAIN" and "bad fan [root@2026-12-05T10:00:00]" in text.plain
    styles = {text.plain[s.start : s.end].strip(): str(s.style) for s in text.spans}
    assert (
        styles[drained.strip()] == "red" and styles["bad fan [root@2026-12-05T10:00:00]"] == "red"
    )
    assert all(len(line) <= 56 for line in lines)
    unread = decode(DeviceStatus, {**Device(id="node3:gpu0", kind="gpu", index=0,
                                            name="node3").to_json(), "job": 14})  # fmt: skip
    assert render_devices([unread], {}, 56).plain.splitlines()[1] == (
        "  node3:gpu0  job 14  (no reading from Slurm yet)"
    )  # not this machine's n/a°C and W


def test_a_node_of_a_partition_without_gpus() -> None:
    node = Device(id="c1", kind="cpu", index=0, name="c1")
    line = "NodeName=c1 CPUAlloc=4 CPUTot=8 CPULoad=2.00 RealMemory=4000 AllocMem=1000 State=MIXED"
    fill([node], parse_nodes(line), {"c1": 5}, {})
    shown = decode(DeviceStatus, {**node.to_json(), "job": 5})
    text = render_devices([shown], {}, 56).plain
    assert "  c1  MIXED\n    CPUs 4/8  load 2.00  mem 1000M/3.9G\n" in text
    assert "node     job 5" in text and " 25%" in text and "load over its 8 CPUs" in text
