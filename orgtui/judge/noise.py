"""The noise: the per-seed standard deviation of the metric, pooled over every group at one
budget and device type (the spread within each group, never between them), with its degrees
of freedom."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Noise:
    """The pooled per-seed standard deviation and how much evidence it rests on."""

    sigma: float
    """The per-seed standard deviation, pooled over the groups; 0.0 when df is 0."""
    df: int
    """Its degrees of freedom: the sum over the groups of (seeds - 1)."""


def spread(values: Sequence[float]) -> tuple[float, int]:
    """One group's sum of squared deviations from its mean, and its degrees of freedom."""
    n = len(values)
    if n < 2:
        return 0.0, 0
    mean = math.fsum(values) / n
    return math.fsum([(v - mean) * (v - mean) for v in values]), n - 1


def pooled(groups: Iterable[Sequence[float]]) -> Noise:
    """The pooled within-group standard deviation: sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)).
    A group of one seed adds nothing; with no degrees of freedom sigma is 0.0."""
    squares: list[float] = []
    df = 0
    for values in groups:
        ss, d = spread(values)
        squares.append(ss)
        df += d
    if df == 0:
        return Noise(0.0, 0)
    return Noise(math.sqrt(math.fsum(squares) / df), df)
