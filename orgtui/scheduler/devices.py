"""The devices jobs run on: GPUs through NVML (nvidia-ml-py's `pynvml`), or CPU slots.

`discover(setting, cpu_slots)` finds them once: with `devices = "auto"` every GPU NVML sees, or
`cpu_slots` CPU devices when there is no NVML library, no driver or no GPU; `"cpu"` forces
CPU slots; a list of indices or UUIDs picks GPUs. `sample(devices)` reads each GPU's memory
(the v2 call: used memory without the driver's reserve), utilization, temperature and power;
a reading a GPU does not support stays None ("n/a"), and a GPU NVML reports lost is marked
`lost` and leaves the pool. CPU slots split the machine's cores evenly; their telemetry (the
job's processes' share of the slot's cores, and their memory) is `cpu_telemetry.py`'s.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

try:  # nvidia-ml-py; absent or broken, the org runs on CPU slots
    import pynvml
except ImportError:  # pragma: no cover - it is a dependency
    pynvml = None


class DeviceError(Exception):
    """`devices` names GPUs that are not there."""


@dataclass(frozen=True)
class SlurmNode:
    """What Slurm says of a device's node (`scontrol show node`), on a cluster."""

    name: str
    state: str
    """Slurm's state as it prints it: `IDLE`, `MIXED`, `ALLOCATED`, `IDLE+DRAIN`,
    `DOWN+NOT_RESPONDING` ..."""
    reason: str
    """Why a node is down or drained (Slurm's `Reason`), or ""."""
    gpus: int
    gpus_used: int
    """GPUs allocated to jobs (the org's or anyone's)."""
    cpus: int
    cpus_used: int
    cpu_load: float | None
    """The node's load average (`CPULoad`)."""
    memory_mb: float | None
    memory_used_mb: float | None
    """Memory allocated to jobs (`AllocMem`)."""
    memory_free_mb: float | None
    """Free memory as the node's OS reports it (`FreeMem`)."""


@dataclass
class Device:
    """One device a job can hold."""

    id: str
    """`gpu0`, `gpu1` ... by NVML index, or `cpu0`, `cpu1` ..."""
    kind: Literal["gpu", "cpu"]
    index: int
    name: str
    uuid: str | None = None
    """The GPU's UUID: what a job's CUDA_VISIBLE_DEVICES names."""
    memory_total_mb: float | None = None
    memory_used_mb: float | None = None
    utilization: float | None = None
    """Percent of the last sample period the GPU was busy."""
    temperature: float | None = None
    """Celsius."""
    power_w: float | None = None
    lost: bool = False
    """NVML reported the GPU lost: no job starts on it."""
    cores: tuple[int, ...] = ()
    """A CPU slot's cores (its jobs' affinity and OMP_NUM_THREADS)."""
    node: SlurmNode | None = None
    """On Slurm: what Slurm says of the device's node."""
    allocated: bool | None = None
    """On Slurm: whether Slurm has this GPU allocated to a job (the org's or another's);
    None where Slurm does not say which of its node's GPUs are in use."""
    usage: str = ""
    """On Slurm, where the utilization and memory come from: `job` (its job's, from
    `sstat`, per GPU), `node` (a node without GPUs: its load over its CPUs, its memory
    allocated), `not reported by Slurm` (a job's GPU use the cluster does not gather), or ""
    (none yet, or not on Slurm)."""
    handle: Any = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("handle")
        data["cores"] = list(self.cores)
        return data


def cpu_slots(count: int, cores: Sequence[int] | None = None) -> list[Device]:
    """`count` CPU devices sharing the machine's cores evenly (each at least one)."""
    if cores is None:
        cores = sorted(os.sched_getaffinity(0))
    count = max(1, count)
    per = max(1, len(cores) // count)
    slots = []
    for i in range(count):
        mine = tuple(cores[(i * per) % len(cores) : (i * per) % len(cores) + per]) or (cores[0],)
        slots.append(Device(id=f"cpu{i}", kind="cpu", index=i, name="cpu", cores=mine))
    return slots


def discover(setting: str | Sequence[str], slots: int) -> tuple[list[Device], str]:
    """The org's devices and a line saying where they came from."""
    if setting == "cpu":
        return cpu_slots(slots), f'{slots} CPU slots (devices = "cpu")'
    gpus, why = _gpus()
    if isinstance(setting, str):  # "auto"
        if gpus:
            return gpus, f"{len(gpus)} GPUs from NVML"
        return cpu_slots(slots), f"{slots} CPU slots ({why})"
    chosen = []
    for want in setting:
        match = [g for g in gpus if want in (str(g.index), g.uuid)]
        if not match:
            seen = ", ".join(f"{g.index} ({g.uuid})" for g in gpus) or why
            raise DeviceError(f"devices: no GPU {want!r} (there are: {seen})")
        chosen.append(match[0])
    return chosen, f"{len(chosen)} of {len(gpus)} GPUs (devices = {list(setting)})"


def _gpus() -> tuple[list[Device], str]:
    if pynvml is None:
        return [], "nvidia-ml-py is not installed"
    try:
        pynvml.nvmlInit()
        count = pynvml.nvmlDeviceGetCount()
    except pynvml.NVMLError as e:
        return [], f"no NVML: {e}"
    gpus = []
    for i in range(count):
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = _text(pynvml.nvmlDeviceGetName(handle))
            uuid = _text(pynvml.nvmlDeviceGetUUID(handle))
        except pynvml.NVMLError as e:  # a GPU that cannot even be named is not offered
            gpus.append(Device(id=f"gpu{i}", kind="gpu", index=i, name=f"? ({e})", lost=True))
            continue
        gpus.append(Device(id=f"gpu{i}", kind="gpu", index=i, name=name, uuid=uuid, handle=handle))
    if not gpus:
        return [], "NVML sees no GPU"
    sample(gpus)
    return gpus, ""


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def sample(devices: Sequence[Device]) -> list[Device]:
    """Read each GPU's telemetry; the GPUs that were lost since the last sample."""
    newly_lost = []
    for d in devices:
        if d.kind != "gpu" or d.lost or d.handle is None:
            continue
        try:
            memory = _reading(pynvml.nvmlDeviceGetMemoryInfo, d.handle, pynvml.nvmlMemory_v2)
            if memory is not None:
                d.memory_total_mb = memory.total / 2**20
                d.memory_used_mb = memory.used / 2**20
            rates = _reading(pynvml.nvmlDeviceGetUtilizationRates, d.handle)
            d.utilization = None if rates is None else float(rates.gpu)
            temp = _reading(pynvml.nvmlDeviceGetTemperature, d.handle, pynvml.NVML_TEMPERATURE_GPU)
            d.temperature = None if temp is None else float(temp)
            power = _reading(pynvml.nvmlDeviceGetPowerUsage, d.handle)
            d.power_w = None if power is None else power / 1000
        except pynvml.NVMLError_GpuIsLost:
            d.lost = True
            newly_lost.append(d)
    return newly_lost


def _reading(call: Any, *args: Any) -> Any:
    """One NVML reading; None where the GPU does not support it (or has no data yet)."""
    try:
        return call(*args)
    except (pynvml.NVMLError_NotSupported, pynvml.NVMLError_NoData):
        return None
