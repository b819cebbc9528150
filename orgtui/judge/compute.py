"""Compute is checked, not trusted: what each group spent (means over its ok seeds), whether
a group spent more than its reference, and the flags that say what to doubt."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from orgtui.judge.model import COMPUTE_KEYS, Run, finite

FLOPS_SLACK = 0.02
"""More FLOPs than the reference by up to this share (or one step) still count as equal."""
TOKENS_SLACK = 0.02
"""More tokens than this share over the reference's (at equal FLOPs) are flagged."""
WALL_SLACK = 0.05
"""When the runs' length is set by time and they do not both report FLOPs, more wall time
than this share over the reference's is more compute (wall time jitters more than a FLOPs
count)."""
PARAMS_TOLERANCE = 1e-9
"""More parameters than the reference's by more than this share are flagged."""
FLOPS_FACTOR = 3.0
"""Reported FLOPs outside this factor of 6 * params * tokens are flagged as unverified."""
DEVICE_FACTOR = 1.5
"""Device seconds above this multiple of the reference's (at equal FLOPs) are flagged."""


def missing(run: Run) -> list[str]:
    """The compute an ok run must report and did not."""
    wanted = (
        ("tokens", run.tokens),
        ("params", run.params),
        ("wall seconds", run.wall_seconds),
        ("device seconds", run.device_seconds),
    )
    return [name for name, value in wanted if not finite(value)]


def estimate(run: Run) -> float:
    """The FLOPs of training a dense model: 6 * params * tokens."""
    return 6.0 * (run.params or 0.0) * (run.tokens or 0.0)


def plausible(run: Run) -> bool:
    """Whether a run's reported FLOPs lie within a factor 3 of 6 * params * tokens."""
    flops, guess = abs(run.flops or 0.0), estimate(run)
    return flops <= FLOPS_FACTOR * guess and guess <= FLOPS_FACTOR * flops


@dataclass(frozen=True)
class Spent:
    """What a group's ok seeds spent, on average."""

    flops: float
    tokens: float
    params: float
    wall: float
    device: float
    steps: float | None
    """Mean training steps, None unless every seed reported them."""
    estimated: bool
    """Some seed reported no FLOPs: 6 * params * tokens stands in."""
    implausible: bool
    """Some seed's FLOPs lie outside a factor 3 of 6 * params * tokens."""

    @property
    def step_flops(self) -> float:
        """The FLOPs of one training step, 0.0 when the steps are unknown."""
        return self.flops / self.steps if self.steps else 0.0


def spent(runs: Sequence[Run]) -> Spent:
    """The means over `runs` (ok, every one with tokens, params and times)."""
    n = len(runs)
    flops, steps = [], []
    estimated = implausible = False
    for r in runs:
        if finite(r.flops):
            flops.append(r.flops or 0.0)
            implausible = implausible or not plausible(r)
        else:
            flops.append(estimate(r))
            estimated = True
        steps.append((r.steps or 0.0) if finite(r.steps) else math.nan)
    return Spent(
        flops=math.fsum(flops) / n,
        tokens=math.fsum(r.tokens or 0.0 for r in runs) / n,
        params=math.fsum(r.params or 0.0 for r in runs) / n,
        wall=math.fsum(r.wall_seconds or 0.0 for r in runs) / n,
        device=math.fsum(r.device_seconds or 0.0 for r in runs) / n,
        steps=None if any(math.isnan(s) for s in steps) else math.fsum(steps) / n,
        estimated=estimated,
        implausible=implausible,
    )


def ratio(mine: float, theirs: float) -> float | None:
    return mine / theirs if theirs > 0 else None


def ratios(mine: Spent, theirs: Spent) -> dict[str, float | None]:
    """Group mean / reference mean of each kind of compute (None where the reference's is 0)."""
    values = (
        ratio(mine.flops, theirs.flops),
        ratio(mine.tokens, theirs.tokens),
        ratio(mine.wall, theirs.wall),
        ratio(mine.params, theirs.params),
    )
    return dict(zip(COMPUTE_KEYS, values, strict=True))


def more_compute(mine: Spent, theirs: Spent, time_budget: bool) -> str:
    """Why the group spent more than its reference ("" when it did not): more FLOPs beyond
    the larger of one step and 2%; when both report FLOPs, FLOPs decide, and only when they
    do not (some FLOPs are estimated) and the length is set by time (`time_budget`) is more
    wall time beyond 5% more compute."""
    slack = max(mine.step_flops, theirs.step_flops, FLOPS_SLACK * theirs.flops)
    if mine.flops - theirs.flops > slack:
        times = f"{mine.flops / theirs.flops:.3g}x" if theirs.flops > 0 else "more than"
        return (
            f"more compute: {times} the reference's FLOPs ({mine.flops:.4g} vs "
            f"{theirs.flops:.4g}), beyond the slack of {slack:.3g} (one step or 2%)"
        )
    reported = not (mine.estimated or theirs.estimated)
    if time_budget and not reported and mine.wall - theirs.wall > WALL_SLACK * theirs.wall:
        return (
            f"more compute: {mine.wall / theirs.wall:.3g}x the reference's wall time "
            f"({mine.wall:.4g} s vs {theirs.wall:.4g} s), beyond the slack of 5%"
        )
    return ""


def flags(mine: Spent, theirs: Spent, equal: bool) -> tuple[str, ...]:
    """The flags of a compared group, in FLAGS order. `equal`: it spent no more than its
    reference (the tokens and device time are then worth a look)."""
    found = []
    if equal and mine.tokens > (1.0 + TOKENS_SLACK) * theirs.tokens:
        found.append("more_tokens")
    if mine.params > (1.0 + PARAMS_TOLERANCE) * theirs.params:
        found.append("more_params")
    slow = equal and mine.device > DEVICE_FACTOR * theirs.device
    if mine.implausible or theirs.implausible or slow:
        found.append("compute_unverified")
    if mine.estimated or theirs.estimated:
        found.append("flops_estimated")
    return tuple(found)
