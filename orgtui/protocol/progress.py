"""The `progress` request and its reply: how quickly the org makes verified progress (the
score of `judge/progress.py`, as `orgtui progress --json` has it), each agent's record, and
the horizon it was counted over. The cockpit's Progress section and top bar poll it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from orgtui.protocol.messages import Request


@dataclass(frozen=True)
class Start:
    mean: float | None
    """The starting baseline's mean."""
    sigma: float | None


@dataclass(frozen=True)
class Point:
    t: float
    """Seconds since the org's first group."""
    device_hours: float
    best: float
    """The best promoted value by then."""
    promotion: int


@dataclass(frozen=True)
class Score:
    auc: float | None
    improvement: float | None
    improvement_sigma: float | None
    time_to_first_win: float | None
    device_hours_per_win: float | None
    false_discoveries: int
    screening_wins: int
    verified_wins: int
    compute_share: dict[str, float]


@dataclass(frozen=True)
class AgentProgress:
    agent: str
    groups: int
    better: int
    verified_wins: int
    false_discoveries: int
    device_hours: float


@dataclass(frozen=True)
class ProgressReport:
    metric: str
    goal: str
    start: Start
    points: list[Point]
    score: Score
    agents: list[AgentProgress]
    horizon: float
    """Seconds from the start that were counted (up to now)."""


@dataclass(frozen=True)
class Progress(Request[ProgressReport]):
    NAME: ClassVar[str] = "progress"
