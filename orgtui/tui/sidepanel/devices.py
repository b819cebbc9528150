"""The Jobs section's devices: each with its utilization and memory as sparklines (the last
minute of orgd's samples) and the job holding it.

On this machine a GPU's readings are NVML's (with its temperature and power) and a CPU slot's
its job's processes' share of its cores and their resident memory. On a Slurm cluster they
are what Slurm says: a line per node (its state, and why when it is down or drained; its GPUs
and CPUs allocated, its load, its memory allocated), then its GPUs, each with the org's job
holding it, or whether Slurm has it allocated to another job, and that job's GPU use where
the cluster reports it (`sstat`), else "not reported by Slurm"; a node of a partition without
GPUs shows its load over its CPUs and its memory allocated.

`render_devices` is pure, tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.text import Text

from orgtui.protocol.status import DeviceStatus, NodeStatus

BLOCKS = " ▁▂▃▄▅▆▇█"
SLURM_TROUBLE = ("DOWN", "DRAIN", "FAIL", "NOT_RESPONDING", "FUTURE", "POWER")


def sparkline(values: Iterable[float | None], width: int) -> str:
    """Percentages (0-100) as block characters, the latest on the right; n/a as a space."""
    values = list(values)[-width:]
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(BLOCKS[min(8, max(1 if v > 0 else 0, round(v / 100 * 8)))])
    return "".join(out).rjust(width)


def _na(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def _size(mb: float) -> str:
    """MiB as `75M` below a GiB, else `12G` (`1.5G` below 10)."""
    if mb < 1024:
        return f"{mb:.0f}M"
    return f"{mb / 1024:.1f}G" if mb < 10 * 1024 else f"{mb / 1024:.0f}G"


def _memory(d: DeviceStatus) -> str:
    """A GPU's used/total memory in GiB; a CPU slot's (its job's processes' resident memory)
    in MiB below 1 GiB, so a small job does not read 0; a Slurm job's GPU memory (Slurm
    gives no total) as used alone."""
    used, total = d.memory_used_mb, d.memory_total_mb
    if d.usage == "job" and used is not None:
        return f"{_size(used)} (its job's)"
    if used is None or not total:
        return "n/a"
    if d.kind == "cpu" and used < 1024:
        return f"{used:.0f}M/{total / 1024:.0f}G"
    return f"{used / 1024:.0f}/{total / 1024:.0f}G"


def node_line(node: NodeStatus, width: int) -> list[tuple[str, str]]:
    """A Slurm node's lines, as (text, style): its name and state; its GPUs and CPUs
    allocated, load and memory allocated; why it is down or drained."""
    trouble = any(word in node.state for word in SLURM_TROUBLE)
    parts = [f"GPUs {node.gpus_used}/{node.gpus}"] if node.gpus else []
    parts += [f"CPUs {node.cpus_used}/{node.cpus}", f"load {_na(node.cpu_load, '.2f')}"]
    if node.memory_mb:
        parts.append(f"mem {_size(node.memory_used_mb or 0)}/{_size(node.memory_mb)}")
    lines = [(_cut(f"  {node.name}  {node.state}", width), "red" if trouble else "bold"),
             (_cut("    " + "  ".join(parts), width), "dim")]  # fmt: skip
    if node.reason:
        lines.append((_cut(f"    {node.reason}", width), "red" if trouble else "dim"))
    return lines


def _cut(line: str, room: int) -> str:
    return line if len(line) <= room else line[: room - 1] + "…"


def _holder(d: DeviceStatus) -> str:
    """Who holds a device: the org's job, else (on Slurm) another job as far as Slurm says."""
    if d.job:
        return f"job {d.job}"
    if d.allocated:
        return "in use (not the org's)"
    if d.allocated is None and d.node is not None and d.kind == "gpu":
        return "free or in use (Slurm says only how many)"
    return "free"


def _slurm_device(text: Text, d: DeviceStatus, util: Sequence[float | None],
                  mem: Sequence[float | None], spark: int, width: int) -> None:  # fmt: skip
    """A device on a Slurm node (the node's line is above it)."""
    assert d.node is not None
    name = d.id.rpartition(":")[2] if d.kind == "gpu" else "node"
    text.append(f"    {name + (' LOST' if d.lost else ''):8}", style="red" if d.lost else "bold")
    text.append(f" {_cut(_holder(d), width - 14)}\n", style="dim")
    if d.usage == "not reported by Slurm":
        text.append("      GPU use not reported by Slurm\n", style="dim")
        return
    if d.kind == "gpu" and d.usage != "job":
        return  # nothing reported of a GPU without the org's job
    text.append(f"      util {sparkline(util, spark)} {_na(d.utilization, '.0f')}%\n")
    if d.memory_total_mb:
        text.append(f"      mem  {sparkline(mem, spark)} {_memory(d)}\n")
    else:  # a job's GPU memory: Slurm gives no total to draw it against
        text.append(f"      mem  {_memory(d)}\n")
    if d.kind == "cpu":
        text.append(f"      load over its {d.node.cpus} CPUs; memory allocated\n", style="dim")


def render_devices(
    devices: Sequence[DeviceStatus],
    history: Mapping[str, tuple[Sequence[float | None], Sequence[float | None]]],
    width: int = 56,
    sharing: str = "",
) -> Text:
    """The `devices` with each one's utilization and memory `history` (percentages, by
    device id); `sharing`: how agents share the devices, or ""."""
    text = Text()
    text.append("Devices\n", style="bold")
    if sharing:
        text.append(f"  {sharing}\n", style="yellow")
    spark = max(8, width - 34)
    nodes_shown: set[str] = set()
    for d in devices:
        util, mem = history.get(d.id, ((), ()))
        if d.node is not None:
            if d.node.name not in nodes_shown:
                nodes_shown.add(d.node.name)
                for line, style in node_line(d.node, width):
                    text.append(line + "\n", style=style)
            _slurm_device(text, d, util, mem, spark - 2, width)
            continue
        if ":gpu" in d.id:  # a Slurm node's GPU (`<node>:gpu<i>`) before Slurm was read
            held = f"job {d.job}" if d.job else "free"
            text.append(_cut(f"  {d.id}  {held}  (no reading from Slurm yet)", width) + "\n",
                        style="dim")  # fmt: skip
            continue
        held = f"job {d.job}" if d.job else "free"
        name = d.id + (" LOST" if d.lost else "")
        text.append(f"  {name:6}", style="red" if d.lost else "bold")
        text.append(f" {d.name[:20]:20} {held}\n", style="dim")
        text.append(f"    util {sparkline(util, spark)} {_na(d.utilization, '.0f')}%\n")
        text.append(f"    mem  {sparkline(mem, spark)} {_memory(d)}\n")
        if d.kind == "gpu":
            text.append(f"    {_na(d.temperature, '.0f')}°C  {_na(d.power_w, '.0f')} W\n",
                        style="dim")  # fmt: skip
        else:
            cores = f"{len(d.cores)} core{'s' if len(d.cores) != 1 else ''}"
            text.append(f"    CPU slot, {cores}: its job's processes\n", style="dim")
    return text
