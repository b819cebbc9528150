"""What Slurm says of a cluster's devices, parsed (`scheduler/slurm_usage.py`) and put on the
devices (`daemon/slurm_telemetry.fill`): lines captured from this machine's Slurm 22.05 (two
fake GPUs, no job accounting) and hand-written ones for what it lacks (GPU use gathered by
the cluster's accounting, GresUsed with IDX, a node drained or down, AllocTRES with GPUs)."""

from __future__ import annotations

from orgtui.daemon.slurm_telemetry import NOT_REPORTED_WORDS, fill
from orgtui.scheduler.devices import Device
from orgtui.scheduler.slurm_usage import (
    NOT_REPORTED,
    JobUsage,
    gres_used,
    parse_nodes,
    parse_sstat,
    size_mb,
)

# `scontrol show node -d -o` on this machine, two jobs running (2 CPUs + gpu, 1 CPU + gpu).
MIXED = (
    "NodeName=vm Arch=x86_64 CoresPerSocket=1  CPUAlloc=3 CPUEfctv=8 CPUTot=8 CPULoad=0.51 "
    "AvailableFeatures=(null) ActiveFeatures=(null) Gres=gpu:2 GresDrain=N/A GresUsed=gpu:2 "
    "NodeAddr=vm NodeHostName=vm Version=22.05.8 OS=Linux 6.18.44-fc-v1147 #1 SMP "
    "PREEMPT_DYNAMIC @0  RealMemory=2000 AllocMem=0 FreeMem=19874 Sockets=8 Boards=1 "
    "State=MIXED ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=debug  "
    "BootTime=2026-12-05T07:26:47 SlurmdStartTime=2026-12-05T17:13:03 "
    "LastBusyTime=2026-12-05T17:18:33 CfgTRES=cpu=8,mem=2000M,billing=8 AllocTRES=cpu=3 "
    "CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 "
    "ExtSensorsTemp=n/s"
)
IDLE = MIXED.replace("CPUAlloc=3", "CPUAlloc=0").replace("GresUsed=gpu:2", "GresUsed=gpu:0")
IDLE = IDLE.replace("State=MIXED", "State=IDLE").replace("AllocTRES=cpu=3", "AllocTRES=")
# Hand-written, in the shape of newer Slurms: typed GPUs with their indices, a drained node
# with its reason, a node down, one read without -d (AllocTRES counts its GPUs).
TYPED = ("NodeName=g1 CPUAlloc=16 CPUTot=64 CPULoad=12.40 Gres=gpu:a100:4(S:0-1) "
         "GresUsed=gpu:a100:2(IDX:0,2) RealMemory=512000 AllocMem=131072 FreeMem=300000 "
         "State=MIXED CfgTRES=cpu=64,mem=500G,gres/gpu=4 "
         "AllocTRES=cpu=16,mem=128G,gres/gpu=2")  # fmt: skip
DRAINED = ("NodeName=g2 CPUAlloc=0 CPUTot=64 CPULoad=0.02 Gres=gpu:a100:4 "
           "GresUsed=gpu:a100:0(IDX:N/A) RealMemory=512000 AllocMem=0 FreeMem=500000 "
           "State=IDLE+DRAIN Reason=bad fan on GPU 3 [root@2026-12-05T10:00:00]")  # fmt: skip
DOWN = ("NodeName=g3 CPUAlloc=0 CPUTot=64 CPULoad=N/A Gres=gpu:4 GresUsed=gpu:0 "
        "RealMemory=512000 AllocMem=0 FreeMem=N/A State=DOWN+NOT_RESPONDING "
        "Reason=Not responding [slurm@2026-12-05T09:00:00] Comment=(null)")  # fmt: skip
NO_DETAIL = ("NodeName=g4 CPUAlloc=8 CPUTot=64 CPULoad=3.00 Gres=gpu:h100:8 RealMemory=1000 "
             "State=MIXED AllocTRES=cpu=8,mem=64G,gres/gpu=3")  # fmt: skip
# sstat on this machine's Slurm (jobacct_gather/none): the steps, nothing of their use.
SSTAT_HERE = "1256.batch||\n1257.batch||\n"
# sstat on a cluster that gathers GPU use (gpu/nvml, AccountingStorageTRES with gpuutil and
# gpumem): bytes as raw numbers; an older Slurm prints units; an extern step reads zeros;
# NO_VAL64 where a GPU does not report.
SSTAT_GPU = (
    "812.extern|cpu=00:00:00,energy=0,fs/disk=5273,gres/gpumem=0,gres/gpuutil=0,mem=262144|"
    "cpu=00:00:00,gres/gpumem=0,gres/gpuutil=0\n"
    "812.batch|cpu=00:56:24,energy=0,gres/gpumem=40777023488,gres/gpuutil=174,mem=10621726720|"
    "cpu=00:56:24,gres/gpumem=42949672960,gres/gpuutil=200,mem=10737418240\n"
    "813.batch|cpu=00:01:00,gres/gpumem=1536M,gres/gpuutil=55,mem=2G|cpu=00:01:00\n"
    "814.batch|cpu=00:01:00,mem=2G|cpu=00:01:00,mem=2G\n"
    "815.batch|gres/gpumem=18446744073709551614,gres/gpuutil=18446744073709551614|\n"
)


def test_this_machines_node_with_two_jobs():
    (name, usage), = parse_nodes(MIXED).items()  # fmt: skip
    node = usage.node
    assert name == "vm" and node.state == "MIXED" and node.reason == ""
    assert (node.gpus, node.gpus_used, usage.gpus_used_idx) == (2, 2, None)  # no IDX here
    assert (node.cpus, node.cpus_used, node.cpu_load) == (8, 3, 0.51)
    assert (node.memory_mb, node.memory_used_mb, node.memory_free_mb) == (2000, 0, 19874)
    idle = parse_nodes(IDLE)["vm"]
    assert (idle.node.gpus_used, idle.gpus_used_idx, idle.node.state) == (0, frozenset(), "IDLE")


def test_typed_gpus_drained_down_and_alloctres_nodes():
    nodes = parse_nodes("\n".join([TYPED, DRAINED, DOWN, NO_DETAIL, "Node far1 not found"]))
    assert list(nodes) == ["g1", "g2", "g3", "g4"]
    g1, g2, g3, g4 = nodes.values()
    assert (g1.node.gpus, g1.node.gpus_used, g1.gpus_used_idx) == (4, 2, frozenset({0, 2}))
    assert (g1.node.memory_used_mb, g1.node.cpu_load) == (131072, 12.4)
    assert g2.node.state == "IDLE+DRAIN"
    assert g2.node.reason == "bad fan on GPU 3 [root@2026-12-05T10:00:00]"
    assert g2.gpus_used_idx == frozenset()
    assert g3.node.reason == "Not responding [slurm@2026-12-05T09:00:00]"
    assert (g3.node.cpu_load, g3.node.memory_free_mb) == (None, None)  # N/A, not 0
    assert (g4.node.gpus, g4.node.gpus_used, g4.gpus_used_idx) == (8, 3, None)


def test_gres_used_and_sizes():
    assert gres_used("gpu:a100:1(IDX:0),gpu:v100:2(IDX:1,3-4)") == (3, frozenset({0, 1, 3, 4}))
    assert gres_used("gpu:2,shard:0") == (2, None)
    assert gres_used("gpu:tesla:0(IDX:N/A),mps:0") == (0, frozenset())
    assert (size_mb("2000", "M"), size_mb("1.5G"), size_mb("1048576")) == (2000, 1536, 1)
    assert size_mb("N/A") is None and size_mb("18446744073709551614") is None


def test_sstat_without_and_with_gpu_accounting():
    assert parse_sstat(SSTAT_HERE) == {"1256": NOT_REPORTED, "1257": NOT_REPORTED}
    found = parse_sstat(SSTAT_GPU)
    assert found["812"] == JobUsage(174, 40777023488 / 2**20)  # the batch step's, not extern's
    assert found["813"] == JobUsage(55, 1536)
    assert found["814"] == NOT_REPORTED and found["815"] == NOT_REPORTED
    assert parse_sstat("sstat: error: couldn't get steps for job 9\n") == {}


def gpus(node: str, n: int) -> list[Device]:
    return [Device(id=f"{node}:gpu{i}", kind="gpu", index=i, name=node) for i in range(n)]


def test_fill_gpus_with_a_jobs_use_and_without():
    devices = gpus("g1", 4)
    used = {812: JobUsage(174, 8192), 9: NOT_REPORTED}
    fill(devices, parse_nodes(TYPED), {"g1:gpu0": 812, "g1:gpu1": 812, "g1:gpu3": 9}, used)
    d0, d1, d2, d3 = devices
    assert d0.node is not None and d0.node.cpus_used == 16
    assert (d0.utilization, d0.memory_used_mb, d0.usage) == (87, 4096, "job")  # per GPU
    assert d0.memory_total_mb is None and d0.temperature is None  # Slurm does not say
    assert d1.allocated and d3.allocated  # the org's jobs
    assert d2.allocated is True  # IDX says so: another job's
    assert (d3.utilization, d3.memory_used_mb, d3.usage) == (None, None, NOT_REPORTED_WORDS)


def test_fill_without_idx_deduces_what_the_counts_say():
    devices = gpus("vm", 2)
    fill(devices, parse_nodes(MIXED.replace("GresUsed=gpu:2", "GresUsed=gpu:1")),
         {"vm:gpu1": 3}, {})  # fmt: skip
    assert (devices[0].allocated, devices[1].allocated) == (False, True)  # 1 used: the org's
    assert devices[1].usage == "" and devices[1].utilization is None  # not read yet
    fill(devices, parse_nodes(MIXED), {}, {})
    assert [d.allocated for d in devices] == [True, True]  # all used: no doubt
    devices = gpus("g4", 4)
    fill(devices, parse_nodes(NO_DETAIL.replace("gpu:h100:8", "gpu:h100:4")), {"g4:gpu0": 1}, {})
    assert [d.allocated for d in devices] == [True, None, None, None]  # 3 used: 2 unknown


def test_fill_a_node_without_gpus_and_a_node_not_read():
    cpu = Device(id="c1", kind="cpu", index=0, name="c1")
    other = Device(id="c9", kind="cpu", index=1, name="c9")
    line = "NodeName=c1 CPUAlloc=4 CPUTot=8 CPULoad=2.00 RealMemory=4000 AllocMem=1000 State=MIXED"
    fill([cpu, other], parse_nodes(line), {"c1": 5}, {})
    assert (cpu.utilization, cpu.memory_used_mb, cpu.memory_total_mb) == (25, 1000, 4000)
    assert cpu.usage == "node"
    assert other.node is None and other.utilization is None and other.usage == ""
