"""What the Slurm cluster says: a partition's nodes and GPUs (the org's devices), and whether
an org can use it at all (`check`: `sbatch` is there, the partition exists, its nodes see
`shared_dir`). Everything here asks Slurm's own commands (`scontrol`, `sinfo`), once each.

Whether the nodes see `shared_dir` is decided without running a job (which would wait in the
queue): a folder on a network or cluster filesystem is seen by the nodes that mount it; one on
this machine's own disk only by this machine, so it serves a partition whose nodes are all
this machine and is refused for any other.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from orgtui.config.errors import ConfigError
from orgtui.config.locate import KeyPath, locate
from orgtui.config.model import OrgConfig
from orgtui.scheduler.devices import Device

SHARED_FS = ("nfs", "nfs4", "lustre", "gpfs", "beegfs", "cifs", "smb3", "smbfs", "ceph",
             "fuse.ceph", "cephfs", "glusterfs", "fuse.glusterfs", "9p", "panfs", "wekafs",
             "fuse.sshfs", "virtiofs", "fuse.juicefs", "fuse.weka")  # fmt: skip
TIMEOUT = 20.0
"""Seconds a Slurm command may take (a busy slurmctld answers in well under one)."""


class ClusterError(Exception):
    """The org cannot use the cluster; `key` names the setting at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Node:
    name: str
    gpus: int
    state: str
    gpus_used: int = 0


def command(*argv: str) -> str:
    """A Slurm command's output; ClusterError("") with its message if it fails."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ClusterError("", f"{argv[0]}: {e}") from None
    if done.returncode != 0:
        raise ClusterError("", (done.stderr or done.stdout).strip() or f"{argv[0]} failed")
    return done.stdout


def fields(line: str) -> dict[str, str]:
    """`scontrol show -o`'s `Key=Value` words."""
    return dict(word.split("=", 1) for word in line.split() if "=" in word)


def gpu_count(gres: str) -> int:
    """GPUs in a Gres string: `gpu:2`, `gpu:a100:4(S:0-1)`, `gpu:2,shard:8` ..."""
    total = 0
    for item in re.split(r",(?![^(]*\))", gres):
        parts = re.sub(r"\(.*?\)", "", item).split(":")
        if parts[0] == "gpu" and parts[-1].isdigit():
            total += int(parts[-1])
    return total


def partition_nodes(partition: str) -> tuple[str, list[str]]:
    """The partition's name (the default one for '') and its nodes; ClusterError("partition")
    if Slurm has no such partition."""
    try:
        out = command("scontrol", "show", "partition", "-o", *([partition] if partition else []))
    except ClusterError as e:
        if partition and "not found" in str(e).lower():
            have = ", ".join(known_partitions()) or "none"
            raise ClusterError(
                "partition", f"Slurm has no partition {partition!r} (it has: {have})"
            ) from None
        raise
    rows = [fields(line) for line in out.splitlines() if line.strip()]
    if not partition:
        rows = [r for r in rows if r.get("Default") == "YES"]
        if not rows:
            raise ClusterError("partition", "Slurm has no default partition: set one")
    row = rows[0]
    listed = row.get("Nodes", "")
    names = command("scontrol", "show", "hostnames", listed).split() if listed else []
    return row["PartitionName"], names


def known_partitions() -> list[str]:
    try:
        return command("sinfo", "-h", "-o", "%R").split()
    except ClusterError:
        return []


def nodes(names: list[str]) -> list[Node]:
    """Each node's GPUs and state (`scontrol show node`), GPUs in use from `sinfo`."""
    if not names:
        return []
    found = []
    used = _gpus_used(names)
    for line in command("scontrol", "show", "node", "-o", ",".join(names)).splitlines():
        f = fields(line)
        if "NodeName" in f:
            name = f["NodeName"]
            found.append(Node(name, gpu_count(f.get("Gres", "")), f.get("State", "?"),
                              used.get(name, 0)))  # fmt: skip
    return found


def _gpus_used(names: list[str]) -> dict[str, int]:
    try:
        out = command("sinfo", "-h", "-N", "-n", ",".join(names), "-O", "NodeList:|,GresUsed:|")
    except ClusterError:
        return {}
    used = {}
    for line in out.splitlines():
        node, _, gres = line.partition("|")
        used[node.strip()] = gpu_count(gres.strip("| "))
    return used


def devices(partition: str) -> tuple[list[Device], str]:
    """The org's devices: every GPU of the partition's nodes (`<node>:gpu<i>`), or one CPU
    device per node of a partition without GPUs; and a line saying where they came from."""
    name, names = partition_nodes(partition)
    found = nodes(names)
    out: list[Device] = []
    for node in found:
        down = any(s in node.state for s in ("DOWN", "DRAIN", "FAIL", "FUTURE"))
        for i in range(node.gpus):
            out.append(Device(id=f"{node.name}:gpu{i}", kind="gpu", index=i,
                              name=f"{node.name} gpu{i} ({node.state.lower()})", lost=down))  # fmt: skip
    if not out:
        out = [Device(id=n.name, kind="cpu", index=i, name=f"{n.name} ({n.state.lower()})")
               for i, n in enumerate(found)]  # fmt: skip
    gpus = sum(n.gpus for n in found)
    return out, f"Slurm partition {name}: {len(found)} nodes, {gpus} GPUs"


def largest_node(devices: list[Device]) -> tuple[str, int]:
    """The node with the most GPUs among the org's devices (`<node>:gpu<i>`) and how many;
    ("", 0) for a partition without GPUs."""
    per_node = Counter(d.id.rpartition(":gpu")[0] for d in devices if d.kind == "gpu")
    if not per_node:
        return "", 0
    return max(sorted(per_node.items()), key=lambda item: item[1])


def gres_gpus(gpus: int, devices: list[Device]) -> int:
    """How many GPUs a job of `gpus` asks Slurm for (`--gres=gpu:N`): none on a partition
    without GPUs (its devices are CPU nodes), where asking for one would have Slurm refuse
    every job."""
    return gpus if any(d.kind == "gpu" for d in devices) else 0


def gpus_refusal(gpus: int, devices: list[Device]) -> str | None:
    """Why a job asking `gpus` GPUs can never run on this partition, or None: a Slurm job
    (`--gres=gpu:N`) gets its GPUs on one node, so no more than the largest node has."""
    node, most = largest_node(devices)
    if most and gpus > most:
        return (f"--gpus {gpus}: a job runs on one node and the partition's largest node, "
                f"{node}, has {most} GPUs (the partition has {len(devices)} in all)")  # fmt: skip
    return None


def agents_refusal(cfg: OrgConfig, devices: list[Device], partition: str) -> ConfigError | None:
    """An org whose agent has more `gpus` than the partition's largest node has GPUs, refused
    at that agent's `gpus` (its `[[agent]]`, else its role's table, else `[defaults]`): a
    Slurm job gets its GPUs on one node, so that agent's jobs could never run. None if every
    agent fits (or the partition has no GPUs: its jobs ask for none)."""
    node, most = largest_node(devices)
    over = [a for a in cfg.agents if most and a.gpus > most]
    if not over:
        return None
    first = over[0]
    text = cfg.file.read_text()
    where = locate(text)
    doc = tomllib.loads(text)
    entries = doc.get("agent")
    entries = entries if isinstance(entries, list) else []
    index = next((i for i, e in enumerate(entries) if e.get("name") == first.group), None)
    paths: list[KeyPath] = [("roles", first.role, "gpus"), ("defaults", "gpus")]
    if index is not None:
        paths.insert(0, ("agent", index, "gpus"))
    path = next((p for p in paths if p in where.values), None)
    pos = where.value(path) if path else where.table(("agent", index or 0))
    also = f" (also {', '.join(a.name for a in over[1:])})" if over[1:] else ""
    return ConfigError(cfg.file, pos.line, pos.col,
                       f"agent {first.name}{also}: gpus = {first.gpus}, but a Slurm job gets its "
                       f"GPUs on one node and partition {partition}'s largest node, {node}, has "
                       f"{most} GPUs: its jobs could never run")  # fmt: skip


def fs_type(path: Path) -> str:
    """The filesystem type `path` (or its nearest existing parent) is on."""
    while not path.exists() and path != path.parent:
        path = path.parent
    target = os.path.realpath(path)
    best, kind = "", ""
    try:
        text = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return ""
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        mount = left.split()[4]
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, right.split()[0]
    return kind


def this_host() -> set[str]:
    names = {socket.gethostname(), socket.gethostname().split(".")[0], socket.getfqdn()}
    return {n for n in names if n}


def check(shared_dir: Path, partition: str) -> str:
    """Refuse (ClusterError naming the setting) a cluster the org cannot use; the partition's
    name (the default one's for '')."""
    for tool in ("sbatch", "squeue", "scancel", "scontrol"):
        if shutil.which(tool) is None:
            raise ClusterError(
                "backend", f'backend = "slurm" but Slurm\'s `{tool}` is not on this PATH'
            )
    try:
        name, names = partition_nodes(partition)
    except ClusterError as e:
        if e.key:
            raise
        raise ClusterError("partition", f"Slurm did not answer: {e}") from None
    kind = fs_type(shared_dir)
    others = sorted(set(names) - this_host())
    if others and kind not in SHARED_FS:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise ClusterError(
            "shared_dir",
            f"{shared_dir} is on this machine's own disk ({kind or 'unknown filesystem'}), which "
            f"partition {name}'s nodes ({shown}) cannot see: put shared_dir on a filesystem "
            "they mount (NFS, Lustre, GPFS, BeeGFS, ...)",
        )
    folder = shared_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ClusterError(
            "shared_dir", f"{shared_dir}: {folder} is not a folder this user can write"
        )
    return name


def cancel_jobs(prefix: str) -> list[str]:
    """scancel this user's Slurm jobs named `<prefix>.<id>` (an org's, when its orgd is gone);
    their Slurm job ids. Nothing without Slurm."""
    if shutil.which("squeue") is None:
        return []
    try:
        out = command("squeue", "-h", "--me", "-o", "%i %j")
    except ClusterError:
        return []
    ids = [i for i, _, name in (line.partition(" ") for line in out.splitlines())
           if name.startswith(prefix + ".") and name[len(prefix) + 1 :].isdigit()]  # fmt: skip
    if ids:
        with contextlib.suppress(ClusterError):
            command("scancel", *ids)
    return ids
