"""What Slurm says the cluster's devices are doing, for their telemetry on a cluster
(`backend = "slurm"`): no NVML or /proc here, whose readings would be this machine's.

Per node (`scontrol show node -d -o`): its state (and why, for a node down or drained), its
GPUs and how many are allocated, and which where Slurm says so (`GresUsed`'s `IDX`; without
it, the count alone, from `GresUsed` or `AllocTRES`'s `gres/gpu`), its CPUs allocated and its
load (`CPULoad`), its memory (`RealMemory`), allocated (`AllocMem`) and free (`FreeMem`).

Per running job (`sstat` of its steps, `TRESUsageInAve`/`TRESUsageInMax`): its GPUs'
utilization and memory (`gres/gpuutil`, summed over the job's GPUs, and `gres/gpumem`),
where the cluster gathers them (job accounting with GPUs found through NVML and
`AccountingStorageTRES` naming them); a cluster that does not leaves those None, "not
reported by Slurm", never a zero.

The parsers are pure functions over the commands' text; `read_nodes` and `read_jobs` run the
commands.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from orgtui.scheduler.devices import SlurmNode
from orgtui.scheduler.slurm_cluster import fields, gpu_count

TIMEOUT = 20.0
"""Seconds a Slurm command may take."""
NOT_A_VALUE = 2**63
"""Slurm's "no value" markers (NO_VAL64, INFINITE64) are above this."""
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50}


class UsageError(Exception):
    """A Slurm command did not answer; its message."""


@dataclass(frozen=True)
class NodeUsage:
    """What Slurm says of one node, and which of its GPUs are allocated."""

    node: SlurmNode
    gpus_used_idx: frozenset[int] | None
    """The allocated GPUs' indices on the node, where Slurm says (None: only the count)."""


@dataclass(frozen=True)
class JobUsage:
    """A running job's GPU use as Slurm's accounting gathered it (None: not reported)."""

    gpu_util: float | None
    """Percent, summed over the job's GPUs (400 is 4 GPUs fully busy)."""
    gpu_mem_mb: float | None
    """Summed over the job's GPUs."""


NOT_REPORTED = JobUsage(None, None)


def reason(line: str) -> str:
    """A node's `Reason=...`, or "": it may hold spaces (`fields` keeps a value's first word),
    so it runs up to the next `Key=`."""
    found = re.search(r"(?:^|\s)Reason=(.*?)(?=\s+[A-Za-z/]+=|$)", line)
    return found.group(1).strip() if found and found.group(1) not in ("(null)", "None") else ""


def _items(gres: str) -> list[str]:
    """A Gres list's items: the commas inside `(IDX:0,2)` do not split it."""
    return [item for item in re.split(r",(?![^(]*\))", gres) if item]


def _indices(text: str) -> set[int]:
    """`0-1,3` as {0, 1, 3}."""
    out: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            out.update(range(int(low), int(high or low) + 1))
    return out


def gres_used(gres: str) -> tuple[int, frozenset[int] | None]:
    """GPUs in use in a `GresUsed` string and which: `gpu:2`, `gpu:a100:2(IDX:0-1)`,
    `gpu:a100:1(IDX:0),gpu:v100:0(IDX:N/A)` ...; the indices are None where any GPU item
    lacks them."""
    count, idx, known = 0, set(), True
    for item in _items(gres):
        name, _, rest = item.partition(":")
        if name != "gpu":
            continue
        found = re.search(r"\(IDX:([^)]*)\)", rest)
        number = re.sub(r"\(.*?\)", "", rest).split(":")[-1]
        used = int(number) if number.isdigit() else 0
        count += used
        if found is None:
            known = known and used == 0
        else:
            idx |= _indices(found.group(1))
    return count, frozenset(idx) if known else None


def tres(text: str) -> dict[str, str]:
    """A TRES string (`cpu=3,mem=300M,gres/gpu=1`) by name."""
    return dict(item.split("=", 1) for item in text.split(",") if "=" in item)


def size_mb(value: str, unit: str = "") -> float | None:
    """`2000`, `300M`, `40777023488` (bytes: `unit` ""), `1.5G` in MiB; None for a value
    that is not one (`N/A`, Slurm's no-value markers). `unit`: the unit of a bare number."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGTP]?)", value.strip())
    if found is None:
        return None
    number = float(found.group(1))
    if number >= NOT_A_VALUE:
        return None
    return number * UNITS[found.group(2) or unit] / 2**20


def _number(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def parse_nodes(text: str) -> dict[str, NodeUsage]:
    """`scontrol show node -d -o`'s lines, by node name."""
    nodes = {}
    for line in text.splitlines():
        f = fields(line)
        if "NodeName" not in f:
            continue
        gpus = gpu_count(f.get("Gres", ""))
        if "GresUsed" in f:
            used, idx = gres_used(f["GresUsed"])
        else:
            alloc = _number(tres(f.get("AllocTRES", "")).get("gres/gpu"))
            used, idx = int(alloc or 0), None
        if idx is None and used == 0:
            idx = frozenset()  # none in use: which is known
        cpus = int(_number(f.get("CPUTot")) or 0)
        node = SlurmNode(
            name=f["NodeName"], state=f.get("State", "?"), reason=reason(line), gpus=gpus,
            gpus_used=used, cpus=cpus, cpus_used=int(_number(f.get("CPUAlloc")) or 0),
            cpu_load=_number(f.get("CPULoad")), memory_mb=size_mb(f.get("RealMemory", ""), "M"),
            memory_used_mb=size_mb(f.get("AllocMem", ""), "M"),
            memory_free_mb=size_mb(f.get("FreeMem", ""), "M"),
        )  # fmt: skip
        nodes[node.name] = NodeUsage(node, idx)
    return nodes


def parse_sstat(text: str) -> dict[str, JobUsage]:
    """`sstat -a -P --noheader --format=JobID,TRESUsageInAve,TRESUsageInMax`'s lines, by
    Slurm job id: each job's GPU utilization and memory (the average, else the maximum), the
    largest over its steps (each step sees the job's GPUs); a job whose steps report none of
    them is `NOT_REPORTED`. A value Slurm marks as none (its no-value numbers) is not one."""
    found: dict[str, JobUsage] = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) < 3 or not parts[0].strip():
            continue
        job = parts[0].strip().split(".")[0]
        ave, most = tres(parts[1]), tres(parts[2])
        util = _number((ave.get("gres/gpuutil") or most.get("gres/gpuutil") or "").strip())
        mem = size_mb(ave.get("gres/gpumem") or most.get("gres/gpumem") or "")
        util = None if util is None or util >= NOT_A_VALUE else util
        last = found.get(job, NOT_REPORTED)
        found[job] = JobUsage(_most(last.gpu_util, util), _most(last.gpu_mem_mb, mem))
    return found


def _most(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def run(*argv: str) -> str:
    """A Slurm command's output. An answer in part (`scontrol` names a node it does not
    know, `sstat` a job with no steps yet) is still an answer; UsageError if none came."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UsageError(f"{argv[0]}: {e}") from None
    if done.returncode != 0 and not done.stdout.strip():
        raise UsageError((done.stderr or f"{argv[0]} failed").strip())
    return done.stdout


def read_nodes(names: list[str]) -> dict[str, NodeUsage]:
    """What Slurm says of these nodes now."""
    if not names:
        return {}
    return parse_nodes(run("scontrol", "show", "node", "-d", "-o", ",".join(names)))


def read_jobs(slurm_ids: list[str]) -> dict[str, JobUsage]:
    """The GPU use of these running Slurm jobs: every job asked for is in the answer,
    `NOT_REPORTED` where Slurm said nothing of its GPUs."""
    if not slurm_ids:
        return {}
    out = run("sstat", "-a", "-P", "--noheader",
              "--format=JobID,TRESUsageInAve,TRESUsageInMax", "-j", ",".join(slurm_ids))  # fmt: skip
    found = parse_sstat(out)
    return {i: found.get(i, NOT_REPORTED) for i in slurm_ids}
