"""The group requests (`group_list`, `group_show`, `group_wait`, `baseline`) and their replies.

A group is the seeds of one change: `Group` holds the stable keys `orgtui group show --json`
prints, in that order; `Verdict` is how the ledger judged it (README, "How results are
judged")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from orgtui.enums import JobKind
from orgtui.protocol.codec import at_least
from orgtui.protocol.jobs import PAGE, Budget, Job, SubmittedGroup
from orgtui.protocol.messages import Request


def span(ids: list[int]) -> str:
    """Job ids as a person reads them: `12-14`, or `12, 15`."""
    if len(ids) > 1 and ids == list(range(ids[0], ids[0] + len(ids))):
        return f"{ids[0]}-{ids[-1]}"
    return ", ".join(map(str, ids))


# -- replies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputeRatio:
    """The group's mean over its reference's (None: a side did not report it)."""

    flops: float | None
    tokens: float | None
    wall: float | None
    params: float | None


@dataclass(frozen=True)
class Verdict:
    verdict: str
    """`better`, `worse`, `within_noise`, `more_compute`, `invalid` or `pending`."""
    metric: str
    goal: str
    mean: float | None
    reference_mean: float | None
    delta: float | None
    """mean - reference_mean, in the metric's units."""
    ci: list[float] | None
    """Delta's confidence interval, at the level the test used (two numbers)."""
    sigma: float | None
    """The per-seed standard deviation, pooled over the groups at this budget."""
    df: int | None
    comparisons: str
    """`k/M`: the reference's k-th comparison of at most M."""
    compute_ratio: ComputeRatio
    flags: list[str]
    reason: str


@dataclass(frozen=True)
class Group:
    """A group as the ledger holds it."""

    id: int
    kind: JobKind
    agent: str
    commit: str
    """The branch commit its snapshot was taken on."""
    budget: Budget
    jobs: list[int]
    seeds: list[int | None]
    state: str
    """`queued`, `running` or `ended` (every seed ended)."""
    reference: int | None
    verdict: Verdict | None
    """None for the kinds that are not judged (`baseline`, `other`)."""
    description: str
    clean: bool
    """Its snapshot had no uncommitted edits (it may serve as a stacked reference)."""


@dataclass(frozen=True)
class GroupDetail(Group):
    """A group and its jobs."""

    runs: list[Job]


@dataclass(frozen=True)
class GroupPage:
    groups: list[Group]
    more: bool
    """Another page follows: ask again with `after` the last id of this one."""


# -- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupList(Request[GroupPage]):
    """Groups in id order, a page at a time (an agent's, one kind's); `newest`: the newest
    `limit` of them."""

    NAME: ClassVar[str] = "group_list"
    agent: str | None = None
    kind: JobKind | None = None
    after: int = field(default=0, metadata=at_least(0))
    limit: int = field(default=PAGE, metadata=at_least(0))
    newest: bool = False


@dataclass(frozen=True)
class GroupShow(Request[GroupDetail]):
    NAME: ClassVar[str] = "group_show"
    group: int


@dataclass(frozen=True)
class GroupWait(Request[GroupDetail]):
    """Answered when the group's verdict is final (or, for a kind not judged, every seed
    ended), or after `timeout_s`."""

    NAME: ClassVar[str] = "group_wait"
    group: int
    timeout_s: float = field(default=3600.0, metadata=at_least(0))


@dataclass(frozen=True)
class Baseline(Request[SubmittedGroup]):
    """A person asks for a baseline of the program branch's head now (only orgd makes
    baselines: an agent's `job_submit` of kind `baseline` is refused)."""

    NAME: ClassVar[str] = "baseline"
    seeds: int | None = field(default=None, metadata=at_least(1))
    """None: the org's `research.seeds`."""
    time: str | None = None
    flops: float | None = None
