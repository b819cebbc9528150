"""One figure over an org's repeated runs (`orgtui eval`): its mean and the percentile
bootstrap confidence interval of that mean (`progress.bootstrap_ci`), over the runs that
have the figure. A run without it (cut short, or no starting baseline in time) is left out
and not counted in `n`; with none left, every field but `n` is None."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from orgtui.judge.progress import bootstrap_ci


@dataclass(frozen=True, slots=True)
class Summary:
    """A figure's mean over `n` runs and its confidence interval (low, high)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int


def summarize(values: Sequence[float | None], level: float = 0.95) -> Summary:
    """The mean of the values that are numbers and the bootstrap interval of it at `level`
    (one value: (v, v))."""
    counted = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not counted:
        return Summary(None, None, None, 0)
    low, high = bootstrap_ci(counted, level=level)
    return Summary(math.fsum(counted) / len(counted), low, high, len(counted))


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are numbers; None when there is none."""
    counted = [float(v) for v in values if v is not None and math.isfinite(v)]
    return math.fsum(counted) / len(counted) if counted else None
