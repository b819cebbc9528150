"""Compute is checked, not trusted: more FLOPs (beyond one step or 2%) is `more_compute`
whatever the metric says, and the flags say what else to doubt."""

from __future__ import annotations

import pytest

from orgtui.judge import Noise, Rules, Verdict, judge

from .build import FLOPS, PARAMS, TOKENS, group, run, with_runs

NOISE = Noise(0.01, 20)
RULES = Rules()
REF = group(1, [2.70] * 5)


def judged(values: list[float] | None = None, ref=REF, **compute) -> Verdict:  # type: ignore[no-untyped-def]
    return judge(group(2, values or [2.60] * 3, **compute), ref, NOISE, 1, RULES)


@pytest.mark.parametrize(
    ("flops", "steps", "ref_steps", "word"),
    [
        (FLOPS * 1.019, 165.0, 165.0, "better"),  # within 2%
        (FLOPS * 1.021, 165.0, 165.0, "more_compute"),
        (FLOPS * 1.021, None, None, "more_compute"),  # steps unknown: 2%
        (FLOPS * 1.09, 10.0, 165.0, "better"),  # one of its steps is 10% of the budget
        (FLOPS * 1.09, 165.0, 10.0, "better"),  # one of the reference's steps
        (FLOPS * 1.15, 10.0, 10.0, "more_compute"),
        (FLOPS * 0.5, 165.0, 165.0, "better"),  # less is no fault
    ],
)
def test_more_flops_than_one_step_or_2_percent_is_more_compute(
    flops: float, steps: float | None, ref_steps: float | None, word: str
) -> None:
    ref = group(1, [2.70] * 5, steps=ref_steps)
    v = judged(ref=ref, flops=flops, steps=steps, tokens=TOKENS * flops / FLOPS)
    assert v.verdict == word
    assert v.compute_ratio["flops"] == pytest.approx(flops / FLOPS)


def test_more_compute_whatever_the_metric_says_with_the_numbers_filled() -> None:
    v = judged([2.0] * 3, flops=FLOPS * 1.5, tokens=TOKENS * 1.5)
    assert v.verdict == "more_compute"
    assert v.reason.startswith("more compute: 1.5x the reference's FLOPs (7.5e+11 vs 5e+11)")
    assert v.mean == 2.0 and v.delta == pytest.approx(-0.7) and v.ci is not None
    assert v.sigma == 0.01 and v.df == 20 and v.comparisons == "1/20"
    assert "more_tokens" not in v.flags  # more compute already says it


def test_more_params_is_flagged_even_at_equal_flops() -> None:
    v = judged(params=PARAMS + 1)
    assert (v.verdict, v.flags) == ("better", ("more_params",))
    assert v.compute_ratio["params"] == pytest.approx(1 + 1 / PARAMS)
    assert judged(params=PARAMS * (1 + 1e-12)).flags == ()
    assert judged(params=PARAMS * 2, flops=FLOPS * 2).flags == ("more_params",)


def test_more_tokens_at_equal_flops_is_flagged() -> None:
    assert judged(tokens=TOKENS * 1.03).flags == ("more_tokens",)
    assert judged(tokens=TOKENS * 1.01).flags == ()
    assert judged(tokens=TOKENS * 1.03).compute_ratio["tokens"] == pytest.approx(1.03)


@pytest.mark.parametrize("tokens", [TOKENS / 4, TOKENS * 4])
def test_flops_outside_a_factor_3_of_6nd_are_unverified(tokens: float) -> None:
    v = judged(tokens=tokens)
    assert "compute_unverified" in v.flags and v.verdict == "better"
    assert "compute_unverified" not in judged(tokens=TOKENS / 2.5).flags


def test_a_reference_with_unverified_flops_flags_the_comparison() -> None:
    ref = with_runs(REF, run(1, 2.7), run(2, 2.7, flops=FLOPS * 0.01))
    assert "compute_unverified" in judged(ref=ref, flops=FLOPS * 0.505).flags


def test_much_more_device_time_at_equal_flops_is_unverified() -> None:
    assert judged(device_seconds=13.0 * 1.55).flags == ("compute_unverified",)
    assert judged(device_seconds=13.0 * 1.45).flags == ()


def test_missing_flops_are_estimated_from_params_and_tokens() -> None:
    both = judged(ref=group(1, [2.7] * 5, flops=None), flops=None)
    assert (both.verdict, both.flags) == ("better", ("flops_estimated",))
    # 6 * params * tokens is 6% over the reference's measured FLOPs.
    assert judged(flops=None).verdict == "more_compute"
    ref = group(1, [2.7] * 5, flops=None)
    assert judged(ref=ref).flags == ("flops_estimated",)


def test_a_time_budget_checks_the_wall_time_only_without_reported_flops() -> None:
    ref = group(1, [2.7] * 5, budget_flops=None, flops=None)
    unreported = {"ref": ref, "budget_flops": None, "flops": None}
    assert judged(**unreported, wall_seconds=14.0 * 1.04).verdict == "better"
    v = judged(**unreported, wall_seconds=14.0 * 1.06)
    assert v.verdict == "more_compute" and "wall time" in v.reason
    assert v.compute_ratio["wall"] == pytest.approx(1.06)
    # When both report FLOPs, FLOPs decide, in a time budget too.
    reported = group(1, [2.7] * 5, budget_flops=None)
    assert judged(ref=reported, budget_flops=None, wall_seconds=14.0 * 1.06).verdict == "better"
    # In a FLOPs budget the wall time is not the budget.
    assert judged(wall_seconds=14.0 * 2).verdict == "better"


def test_a_reference_that_spent_nothing_has_no_ratios() -> None:
    ref = group(1, [2.7] * 5, flops=0.0, tokens=0.0)
    v = judged(ref=ref, flops=0.0, tokens=0.0)
    assert v.compute_ratio["flops"] is None and v.compute_ratio["tokens"] is None
    assert v.compute_ratio["params"] == 1.0
