"""What the judge reads and writes: a group's seeds (`Run`, `Group`), the org's rules of
judgement (`Rules`) and the verdict (`Verdict`, with its JSON for the ledger)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

VERDICTS = ("better", "worse", "within_noise", "more_compute", "invalid", "pending")
"""Every verdict's word."""

FLAGS = ("more_tokens", "more_params", "compute_unverified", "flops_estimated")
"""The flags a verdict may carry, in the order it lists them."""

COMPUTE_KEYS = ("flops", "tokens", "wall", "params")
"""The keys of `Verdict.compute_ratio`."""

GOALS = ("minimize", "maximize")


@dataclass(frozen=True)
class Run:
    """One seed (job) of a group, as the ledger recorded it."""

    job: int
    state: str
    """A JobState value: queued, running, ok, failed, timeout, cancelled or lost."""
    value: float | None
    """The org's metric, None when the job printed none."""
    flops: float | None = None
    tokens: float | None = None
    params: float | None = None
    wall_seconds: float | None = None
    device_seconds: float | None = None
    steps: float | None = None
    """Training steps (the metric `num_steps`), None when unknown."""
    reason: str = ""
    """Why it ended so (the ledger's reason)."""


@dataclass(frozen=True)
class Group:
    """The seeds of one change: one commit, one budget, one device type."""

    id: int
    runs: tuple[Run, ...]
    budget_time: float
    """Seconds."""
    budget_flops: float | None
    device_type: str
    """"" until a seed started; e.g. "cpu", "H100"."""
    commit: str


@dataclass(frozen=True)
class Rules:
    """How an org judges: its metric and goal, and the error rates it accepts."""

    metric: str = "val_bpb"
    goal: str = "minimize"
    """"minimize" or "maximize"."""
    max_comparisons: int = 20
    """M: how many groups one reference may be compared with; each test is at alpha / M."""
    min_delta: float = 0.0
    """A gain must exceed this too (in the metric's units) to be `better`."""
    alpha: float = 0.05
    """The family-wise error rate per reference and per direction."""

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ValueError(f"goal must be minimize or maximize, not {self.goal!r}")
        if self.max_comparisons < 1:
            raise ValueError(f"max_comparisons must be at least 1, not {self.max_comparisons}")
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be between 0 and 1, not {self.alpha}")
        if not self.min_delta >= 0.0:
            raise ValueError(f"min_delta must be 0 or more, not {self.min_delta}")


def _no_ratios() -> dict[str, float | None]:
    return dict.fromkeys(COMPUTE_KEYS)


@dataclass(frozen=True)
class Verdict:
    """The judgement of a group against its reference, with the numbers behind it."""

    verdict: str
    """One of VERDICTS."""
    metric: str
    goal: str
    mean: float | None = None
    """The group's mean over its ok seeds."""
    reference_mean: float | None = None
    delta: float | None = None
    """mean - reference_mean, in the metric's units."""
    ci: tuple[float, float] | None = None
    """The confidence interval of delta at level 1 - 2 alpha / M (each tail is one test)."""
    sigma: float | None = None
    df: int | None = None
    comparisons: str = ""
    """"k/M": which of its reference's M comparisons this is; "" when not compared."""
    compute_ratio: dict[str, float | None] = field(default_factory=_no_ratios)
    """Group mean / reference mean of flops, tokens, wall (seconds) and params."""
    flags: tuple[str, ...] = ()
    reason: str = ""
    """Why this verdict, in plain words (with the numbers for a compared group)."""

    @property
    def final(self) -> bool:
        """Whether this verdict stands (a pending one will be judged again)."""
        return self.verdict != "pending"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "metric": self.metric,
            "goal": self.goal,
            "mean": self.mean,
            "reference_mean": self.reference_mean,
            "delta": self.delta,
            "ci": None if self.ci is None else [self.ci[0], self.ci[1]],
            "sigma": self.sigma,
            "df": self.df,
            "comparisons": self.comparisons,
            "compute_ratio": {k: self.compute_ratio.get(k) for k in COMPUTE_KEYS},
            "flags": list(self.flags),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        """The verdict `to_json` wrote; a missing number reads as None. Raises ValueError on
        a verdict word it does not know."""
        word = data.get("verdict")
        if word not in VERDICTS:
            raise ValueError(f"not a verdict: {word!r}")
        ci = data.get("ci")
        ratios = data.get("compute_ratio") or {}
        df = _number(data.get("df"))
        return cls(
            verdict=word,
            metric=str(data.get("metric", "")),
            goal=str(data.get("goal", "")),
            mean=_number(data.get("mean")),
            reference_mean=_number(data.get("reference_mean")),
            delta=_number(data.get("delta")),
            ci=None if not ci or len(ci) != 2 else (float(ci[0]), float(ci[1])),
            sigma=_number(data.get("sigma")),
            df=None if df is None else int(df),
            comparisons=str(data.get("comparisons", "")),
            compute_ratio={k: _number(ratios.get(k)) for k in COMPUTE_KEYS},
            flags=tuple(str(f) for f in data.get("flags", ())),
            reason=str(data.get("reason", "")),
        )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def finite(value: object) -> bool:
    """Whether a reported number is there and finite (a string or a bool is no number: the
    metrics come from what a job printed)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
