"""The progress score: how quickly an org makes verified progress, from what its ledger holds
(`orgtui.ledger.progress` gathers it into a `History`; `score` turns that into a `Progress`).
Pure: numbers in, numbers out.

The definitions, in plain words:

- **The start** is when the org's first group was made (the first baseline is queued as the
  org comes up). `t` is seconds since the start. The device-hours at `t` are the device-seconds
  of every job that ended by `t`, over 3600 (a job still running counts once it ends; a job
  that recorded no device-seconds counts 0).
- **The starting baseline** is the first baseline group with an ok seed that reports the
  metric: its mean is the mean of those seeds' values, and σ is the noise orgd judges by: the
  per-seed spread pooled over every judged group's ok seeds (baselines, experiments,
  verifications) at that baseline's budget and device type, over the whole ledger. With no
  degrees of freedom σ is null.
- **The horizon** H: everything is counted by the start + H. By default (`horizon` None) H ends
  at the ledger's last event, the latest end of a job or of a promotion (the figure for an org
  that is down; `orgtui progress` passes now - start for a running org).
- **Points**: one per promotion that ended `promoted` by the horizon, in time order, where the
  best promoted value so far improves: `t` (when the promotion ended), the device-hours by then,
  `best` (the best verification mean so far, best in the goal's direction) and `promotion` (its
  id). A promotion with no recorded value counts as a verified win but makes no point.
- **improvement**: the starting mean minus the best for `minimize`, the best minus the starting
  mean for `maximize`: positive when better, whatever the goal; 0 with no promotion. It is not
  cut at 0: a promoted value that is worse than the starting mean (the device drifted, or the
  start was a lucky draw) counts as it is. `improvement_sigma` is that over σ.
- **auc**: (1/H) × the integral from 0 to H of improvement(t) dt, where improvement(t) is the
  improvement of the best promoted value by t (0 before the first promotion). In the metric's
  units: an org that wins early scores higher than one that wins the same amount late. Null
  with no starting baseline or a horizon of 0.
- **time_to_first_win**: `t` of the first promotion that ended `promoted`, or null.
- **device_hours_per_win**: the device-hours by the horizon over `verified_wins`, or null.
- **verified_wins**: promotions that ended `promoted` by the horizon.
- **screening_wins**: experiment groups judged `better` whose last seed ended by the horizon
  (when its verdict was given).
- **false_discoveries**: screening groups with a promotion that ended `rejected` by the
  horizon (the verification did not confirm the screening `better`).
- **compute_share**: the device-seconds spent by the horizon, split by what they were for:
  `verification` (groups of kind verification, and a promotion's verification and fresh
  reference groups whatever kind they were given), `baselines` (the other baseline groups),
  `experiments`, `other`. Shares of the total, summing to 1; all 0 when nothing was spent.

`bootstrap_ci` is the percentile bootstrap confidence interval of a mean, for comparing orgs
over repeated runs (`orgtui eval`).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SHARES = ("baselines", "verification", "experiments", "other")
"""The keys of `compute_share`, in the order they are shown."""
PROMOTED, REJECTED = "promoted", "rejected"


@dataclass(frozen=True, slots=True)
class Spend:
    """The device time one job spent, counted when it ended."""

    ended_at: float
    device_seconds: float
    share: str
    """What it was for: one of `SHARES`."""


@dataclass(frozen=True, slots=True)
class Promotion:
    """A promotion as the score reads it."""

    id: int
    screening: int
    """The screening group it verified."""
    state: str
    """verifying, promoted, rejected or failed."""
    ended_at: float | None
    value: float | None
    """The verification's mean (set when promoted)."""


@dataclass(frozen=True, slots=True)
class History:
    """What the score reads from an org's ledger (unix seconds throughout)."""

    metric: str
    goal: str
    """minimize or maximize."""
    started_at: float | None
    """When the first group was made; None for a ledger with no groups."""
    start_mean: float | None
    """The starting baseline's mean; None when no baseline has an ok seed yet."""
    sigma: float | None
    """The pooled per-seed σ at the starting baseline's budget and device type; None without
    degrees of freedom."""
    spends: Sequence[Spend] = ()
    promotions: Sequence[Promotion] = ()
    screening_wins: Sequence[float] = ()
    """When each experiment group judged `better` got its verdict (its last seed's end)."""
    last_at: float | None = None
    """The ledger's last event: the latest end of a job or a promotion."""


@dataclass(frozen=True, slots=True)
class Point:
    """The best promoted value improved: when, after how much compute, to what, by which."""

    t: float
    device_hours: float
    best: float
    promotion: int

    def to_json(self) -> dict[str, Any]:
        return {"t": self.t, "device_hours": self.device_hours, "best": self.best,
                "promotion": self.promotion}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Score:
    """The figures of the score (the module's docstring defines each)."""

    auc: float | None
    improvement: float | None
    improvement_sigma: float | None
    time_to_first_win: float | None
    device_hours_per_win: float | None
    false_discoveries: int
    screening_wins: int
    verified_wins: int
    compute_share: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "auc": self.auc, "improvement": self.improvement,
            "improvement_sigma": self.improvement_sigma,
            "time_to_first_win": self.time_to_first_win,
            "device_hours_per_win": self.device_hours_per_win,
            "false_discoveries": self.false_discoveries, "screening_wins": self.screening_wins,
            "verified_wins": self.verified_wins,
            "compute_share": {k: self.compute_share.get(k, 0.0) for k in SHARES},
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Progress:
    """An org's progress over a horizon: the curve's points and the score."""

    metric: str
    goal: str
    start_mean: float | None
    sigma: float | None
    horizon: float
    """Seconds from the start that were counted."""
    device_hours: float
    """Device-hours spent by the horizon."""
    points: tuple[Point, ...]
    score: Score

    def to_json(self) -> dict[str, Any]:
        """The stable keys `orgtui progress --json` prints."""
        return {
            "metric": self.metric, "goal": self.goal,
            "start": {"mean": self.start_mean, "sigma": self.sigma},
            "points": [p.to_json() for p in self.points], "score": self.score.to_json(),
        }  # fmt: skip


def improvement(start: float, best: float, goal: str) -> float:
    """How much better `best` is than `start`: positive when better, whatever the goal."""
    return best - start if goal == "maximize" else start - best


def better(a: float, b: float, goal: str) -> bool:
    """Whether `a` is strictly better than `b` in the goal's direction."""
    return a > b if goal == "maximize" else a < b


def area(steps: Sequence[tuple[float, float]], horizon: float) -> float:
    """The integral from 0 to `horizon` of a step function that is 0 until the first step and
    then each step's value from its time on, over the horizon: its mean. `steps` are (time,
    value) in time order; those at or past the horizon add nothing."""
    if horizon <= 0:
        raise ValueError(f"horizon {horizon}: must be positive")
    total = 0.0
    for i, (t, value) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else horizon
        total += value * max(0.0, min(end, horizon) - max(t, 0.0))
    return total / horizon


def score(history: History, horizon: float | None = None) -> Progress:
    """The org's progress and score over `horizon` seconds from its start (default: to the
    ledger's last event)."""
    h, goal = history, history.goal
    start = h.started_at
    if horizon is None:
        horizon = max(0.0, (h.last_at or start or 0.0) - (start or 0.0))
    if horizon < 0:
        raise ValueError(f"horizon {horizon}: must not be negative")
    end = (start or 0.0) + horizon
    spends = sorted((s for s in h.spends if s.ended_at <= end), key=lambda s: s.ended_at)
    times = [s.ended_at for s in spends]
    running = [0.0]
    for s in spends:
        running.append(running[-1] + s.device_seconds)

    def hours_by(at: float) -> float:
        return running[bisect.bisect_right(times, at)] / 3600.0

    ended = [p for p in h.promotions if p.ended_at is not None and p.ended_at <= end]
    promoted = sorted((p for p in ended if p.state == PROMOTED),
                      key=lambda p: (p.ended_at, p.id))  # fmt: skip
    points: list[Point] = []
    for p in promoted:
        if p.value is None or not math.isfinite(p.value) or p.ended_at is None:
            continue
        if not points or better(p.value, points[-1].best, goal):
            at = p.ended_at
            points.append(Point(at - (start or at), hours_by(at), p.value, p.id))
    gain: float | None = None
    auc: float | None = None
    if h.start_mean is not None:
        gain = improvement(h.start_mean, points[-1].best, goal) if points else 0.0
        if horizon > 0:
            steps = [(p.t, improvement(h.start_mean, p.best, goal)) for p in points]
            auc = area(steps, horizon)
    sigma_units = gain / h.sigma if gain is not None and h.sigma else None
    wins = len(promoted)
    first = min((p.ended_at for p in promoted if p.ended_at is not None), default=None)
    spent = running[-1]
    share = {k: 0.0 for k in SHARES}
    for s in spends:
        share[s.share if s.share in share else "other"] += s.device_seconds
    share = {k: (v / spent if spent > 0 else 0.0) for k, v in share.items()}
    result = Score(
        auc=auc, improvement=gain, improvement_sigma=sigma_units,
        time_to_first_win=None if first is None else first - (start or first),
        device_hours_per_win=spent / 3600.0 / wins if wins else None,
        false_discoveries=len({p.screening for p in ended if p.state == REJECTED}),
        screening_wins=sum(1 for at in h.screening_wins if at <= end),
        verified_wins=wins, compute_share=share,
    )  # fmt: skip
    return Progress(h.metric, goal, h.start_mean, h.sigma, horizon, spent / 3600.0,
                    tuple(points), result)  # fmt: skip


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between neighbours."""
    at = q * (len(ordered) - 1)
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def bootstrap_ci(
    values: Sequence[float], level: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """The percentile bootstrap confidence interval of the mean of `values`: the mean of
    `resamples` resamples (drawn with replacement, as many as there are values, from a
    generator seeded with `seed`), cut at (1 - level)/2 and (1 + level)/2. One value (or all
    equal) gives (v, v). ValueError for no values, a level outside (0, 1) or no resamples."""
    if not values:
        raise ValueError("no values to bootstrap")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level {level}: must lie strictly between 0 and 1")
    if resamples < 1:
        raise ValueError(f"resamples {resamples}: must be at least 1")
    data = [float(v) for v in values]
    n = len(data)
    if n == 1 or all(v == data[0] for v in data):
        return data[0], data[0]
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(data, k=n)) / n for _ in range(resamples))
    tail = (1.0 - level) / 2.0
    return _quantile(means, tail), _quantile(means, 1.0 - tail)
