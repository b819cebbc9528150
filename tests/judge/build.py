"""Groups for the judge's tests: tinychat-like seeds at the demo's budget, each part
overridable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from orgtui.judge.model import Group, Run

FLOPS, TOKENS, PARAMS, STEPS = 5e11, 675840.0, 131072.0, 165.0


def run(job: int, value: float | None, state: str = "ok", **compute: float | str | None) -> Run:
    base = Run(job, state, value, FLOPS, TOKENS, PARAMS, 14.0, 13.0, STEPS)
    return replace(base, **compute)


def group(
    gid: int,
    values: Sequence[float | None],
    *,
    budget_time: float = 300.0,
    budget_flops: float | None = FLOPS,
    device_type: str = "cpu",
    commit: str = "",
    **compute: float | str | None,
) -> Group:
    runs = tuple(run(gid * 100 + i, v, **compute) for i, v in enumerate(values))
    return Group(gid, runs, budget_time, budget_flops, device_type, commit or f"{gid:x}" * 40)


def with_runs(g: Group, *runs: Run) -> Group:
    return replace(g, runs=runs)
