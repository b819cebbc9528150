"""The job requests (`job_submit`, `job_list`, `job_show`, `job_cancel`, `job_wait`) and their
replies. `Job` holds the stable keys `orgtui job show --json` prints, in that order. A submit
queues a group of seeds (one job each); the group requests are in `protocol/groups.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from orgtui.enums import JobKind, JobState
from orgtui.protocol.codec import at_least, more_than
from orgtui.protocol.messages import Request

PAGE = 2000
"""The most jobs one `job_list` answer holds: a job's JSON is under 1 kB, so a page stays
well inside a 4 MiB frame."""


# -- replies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    time: float
    """Seconds of training the job was given."""
    flops: float | None


@dataclass(frozen=True)
class Compute:
    """What the job measured it spent (None: not measured)."""

    wall_seconds: float | None
    device_seconds: float | None
    tokens: float | None
    flops: float | None
    params: float | None
    peak_mem_mb: float | None


@dataclass(frozen=True)
class SlurmPlace:
    """Where Slurm has a job (`backend = "slurm"`)."""

    job: str
    """Slurm's job id."""
    state: str
    """Slurm's state as last seen: PENDING, RUNNING, COMPLETED, ..."""
    partition: str
    node: str
    """The node it ran on ('' while pending)."""
    queued_at: float | None
    """When Slurm took it (its `started_at` is its start on the node)."""


@dataclass(frozen=True)
class Job:
    """A job as the ledger holds it."""

    id: int
    agent: str
    name: str
    kind: JobKind
    group: int
    """The group of seeds it is one of (`orgtui group show`)."""
    reference: int | None
    """The group its group is judged against."""
    state: JobState
    exit_code: int | None
    reason: str
    queued_at: float
    started_at: float | None
    ended_at: float | None
    device: str
    device_type: str
    gpus: int
    branch: str
    commit: str
    reproducible: bool
    seed: int | None
    budget: Budget
    compute: Compute
    metrics: dict[str, float]
    command: list[str]
    description: str
    slurm: SlurmPlace | None
    """Where Slurm has it; None for a local job."""


@dataclass(frozen=True)
class SubmittedJob(Job):
    """A job just queued, and where its log will be."""

    log: str


@dataclass(frozen=True)
class SubmittedGroup:
    """A group just queued: its id and its jobs (one per seed)."""

    group: int
    jobs: list[SubmittedJob]
    reference: int | None
    """The group it will be judged against (None: not judged, or none found yet)."""


@dataclass(frozen=True)
class JobEvent:
    """One change of a job's state."""

    at: float
    state: JobState
    detail: str


@dataclass(frozen=True)
class JobDetail(SubmittedJob):
    """A job, its log's path and its history."""

    events: list[JobEvent]


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    more: bool
    """Another page follows: ask again with `after` the last id of this one."""


@dataclass(frozen=True)
class Cancelled:
    id: int
    state: JobState
    """`cancelled`, or the state the job had already ended in."""


# -- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSubmit(Request[SubmittedGroup]):
    """Check, snapshot and queue a group of `seeds` jobs from an agent's worktree."""

    NAME: ClassVar[str] = "job_submit"
    agent: str | None = None
    """Whose job; else the agent whose worktree holds `cwd`."""
    cwd: str | None = None
    command: list[str] | None = None
    """The job's argv; None: the org's `research.train`."""
    time: str | None = None
    """The time budget: "90s", "5m", or seconds ("300"); None: the org's `time_budget`."""
    flops: float | None = field(default=None, metadata=more_than(0))
    seeds: int = field(default=1, metadata=at_least(1))
    """How many jobs (seeds) the group runs; orgd chooses the seeds."""
    seed: int | None = None
    """Only for kind `other`: the job's seed (None: orgd's)."""
    kind: JobKind = JobKind.EXPERIMENT
    reference: int | None = None
    """The group it is judged against; None: orgd picks it."""
    name: str | None = None
    """A short name; None: the command."""
    description: str = ""
    gpus: int | None = field(default=None, metadata=at_least(1))
    """None: the agent's `gpus`."""
    priority: int = 0
    in_place: bool = False
    """Run in the live worktree (the result is marked unreproducible)."""
    token: str = ""
    """The client's name for this submit (up to 64 letters, digits and dashes; random), kept
    with the job: a client whose answer did not come finds the job by it in the ledger."""
    deadline: float | None = None
    """Unix time at which the client stops waiting for the answer: orgd queues nothing
    after it (None: the client waits as long as it takes)."""


@dataclass(frozen=True)
class JobList(Request[JobPage]):
    """Jobs in id order, a page at a time: all of them, or an agent's, one kind's, or those
    in some states; `newest`: the newest `limit` of them (still in id order)."""

    NAME: ClassVar[str] = "job_list"
    states: list[JobState] | None = None
    agent: str | None = None
    kind: JobKind | None = None
    after: int = field(default=0, metadata=at_least(0))
    """Only ids above this one."""
    limit: int = field(default=PAGE, metadata=at_least(0))
    """At most this many (0, or more than PAGE: PAGE)."""
    newest: bool = False


@dataclass(frozen=True)
class JobShow(Request[JobDetail]):
    NAME: ClassVar[str] = "job_show"
    job: int


@dataclass(frozen=True)
class JobCancel(Request[Cancelled]):
    """A queued job is dropped; a running one is stopped and recorded `cancelled`."""

    NAME: ClassVar[str] = "job_cancel"
    job: int


@dataclass(frozen=True)
class JobWait(Request[Job]):
    """Answered when the job has ended, or after `timeout_s`."""

    NAME: ClassVar[str] = "job_wait"
    job: int
    timeout_s: float = field(default=3600.0, metadata=at_least(0))
