"""The `status` request and its reply: the org, its agents, its scheduler and devices, the
org file's version that runs and the last change applied, and its rituals. The keys are
`orgtui status --json`'s (README, "The command line")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from orgtui.config.model import Goal, Kind, ProcessKind, Role
from orgtui.protocol.messages import Request

AgentState = Literal["starting", "running", "restarting", "exited", "crashed", "stopped"]
"""`agents/lifecycle.py`'s states (the protocol's clients do not import the agents' layer;
the type checker sees that the two agree where orgd fills this in)."""


@dataclass(frozen=True)
class AgentStatus:
    name: str
    role: Role
    kind: Kind
    branch: str
    worktree: str
    state: AgentState
    activity: str
    """`busy`, `idle`, or `waiting`: a question to a person is on its screen (a permission
    question; `agents/markers.py`). An agent whose program is not running is `idle`. Clients
    that knew only `busy` and `idle` read `waiting` as not busy."""
    idle_seconds: float
    exit_status: int | None
    pane_pid: int | None
    restarts: int
    size: list[int]
    """[columns, rows]"""
    device: str | None
    """Its own device, in `dedicated` mode."""
    last_metric: float | None
    """Its latest `ok` job's value of the org's metric."""
    last_verdict: str | None = None
    """Its latest judged group's final verdict, as `group 5: within_noise`, or None."""
    setup: str | None = None
    """Its worktree's setup (`copy`, `setup`): `pending`, `running`, `ok`, `failed (exit N)`
    or `failed: <why>`; None when it has none."""


@dataclass(frozen=True)
class NodeStatus:
    """What Slurm says of a device's node (`scontrol show node`; `scheduler/devices.py`'s
    `SlurmNode`)."""

    name: str
    state: str
    reason: str
    gpus: int
    gpus_used: int
    cpus: int
    cpus_used: int
    cpu_load: float | None
    memory_mb: float | None
    memory_used_mb: float | None
    """Allocated to jobs."""
    memory_free_mb: float | None


@dataclass(frozen=True)
class DeviceStatus:
    """A device, its latest telemetry (None: not read or not supported) and its job."""

    id: str
    kind: Literal["gpu", "cpu"]
    index: int
    name: str
    uuid: str | None
    memory_total_mb: float | None
    memory_used_mb: float | None
    utilization: float | None
    temperature: float | None
    power_w: float | None
    lost: bool
    cores: list[int]
    job: int | None
    """The job holding it."""
    node: NodeStatus | None = None
    """On Slurm: what Slurm says of its node."""
    allocated: bool | None = None
    """On Slurm: whether Slurm has this GPU allocated to a job (the org's or another's);
    None where Slurm does not say which of the node's GPUs are in use."""
    usage: str = ""
    """On Slurm, where the utilization and memory come from: `job` (its job's, `sstat`),
    `node` (a node without GPUs: its load and allocated memory), `not reported by Slurm`,
    or ""."""


@dataclass(frozen=True)
class ClusterJobStatus:
    """One of the org's jobs in Slurm (`backend = "slurm"`)."""

    job: int
    slurm_job: str
    """Slurm's job id ('' while sbatch runs)."""
    partition: str
    state: str
    """Slurm's state: PENDING, RUNNING, ..."""
    node: str
    """Where it runs ('' while pending)."""
    waiting: str = ""
    """Why it is not in Slurm yet, in words: `submitting` (sbatch has not answered), `waiting
    for a slot (max_jobs 4)`, ... (`daemon/slurm_status.py`); '' once Slurm has it."""


@dataclass(frozen=True)
class SchedulerStatus:
    mode: Literal["dedicated", "pool"]
    backend: Literal["local", "slurm"]
    devices_from: str
    """Where the devices came from, in words."""
    sharing: str
    """How agents share fewer devices than they are, or ""."""
    devices: list[DeviceStatus]
    queued: list[int]
    running: list[int]
    cluster: list[ClusterJobStatus] = field(default_factory=list)
    """The org's jobs in Slurm, with their node, partition and state (none locally)."""


@dataclass(frozen=True)
class Plan:
    """What a saved org file changes in the running org (`daemon/reload.py`'s `Plan`)."""

    add: list[str]
    remove: list[str]
    restart: dict[str, list[str]]
    prompts: list[str]
    settings: dict[str, list[str]]
    processes: list[str]
    scheduler: list[str]
    research: list[str]


@dataclass(frozen=True)
class AppliedPlan(Plan):
    """The last change applied, and its lines as a person reads them."""

    lines: list[str]


@dataclass(frozen=True)
class ConfigStatus:
    hash: str
    """The source hash of the org file's version that runs."""
    applied_at: float
    error: str | None
    """The saved version's `file:line:col: message` while it does not apply."""
    plan: AppliedPlan | None


@dataclass(frozen=True)
class RitualStatus:
    name: str
    kind: ProcessKind
    last_run: float | None
    next_run: float
    checks: int
    """How many ticks looked whether it was due."""


@dataclass(frozen=True)
class OrgStatus:
    org: str
    file: str
    workdir: str
    program: str
    daemon_pid: int
    tmux_socket: str
    started_at: float
    agents: list[AgentStatus]
    metric: str
    goal: Goal
    scheduler: SchedulerStatus
    config: ConfigStatus
    processes: list[RitualStatus]
    disk_error: str | None = None
    """Why jobs cannot be recorded or started now (the workdir's disk is full), or None."""


@dataclass(frozen=True)
class Status(Request[OrgStatus]):
    """The org as it is now (orgd reads its panes first)."""

    NAME: ClassVar[str] = "status"
