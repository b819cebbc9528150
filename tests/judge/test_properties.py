"""Properties of the verdict over many generated groups (hypothesis): symmetry, invariance
under a shift of the metric, and a confidence interval that agrees with the test."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from orgtui.judge import Rules, Verdict, judge, pooled

from .build import group

values = st.lists(
    st.floats(min_value=0.0, max_value=10.0, allow_nan=False).map(lambda v: round(v, 3)),
    min_size=1,
    max_size=6,
)
rules = st.builds(
    Rules,
    goal=st.sampled_from(["minimize", "maximize"]),
    max_comparisons=st.integers(1, 30),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)


def judged(mine: list[float], ref: list[float], extra: list[list[float]], r: Rules) -> Verdict:
    noise = pooled([mine, ref, *extra])
    return judge(group(2, mine), group(1, ref), noise, 1, r)


def clear(v: Verdict) -> bool:
    """Whether the verdict is not a hair's breadth from the line (rounding could move it)."""
    if v.ci is None or v.delta is None:
        return True
    half = (v.ci[1] - v.ci[0]) / 2
    return abs(abs(v.delta) - half) > 1e-9 * (1 + abs(v.mean or 0.0))


@settings(max_examples=200, deadline=None)
@given(values, values, st.lists(values, max_size=3), rules)
def test_swapping_group_and_reference_swaps_better_and_worse(
    mine: list[float], ref: list[float], extra: list[list[float]], r: Rules
) -> None:
    v, back = judged(mine, ref, extra, r), judged(ref, mine, extra, r)
    swap = {"better": "worse", "worse": "better"}
    assert back.verdict == swap.get(v.verdict, v.verdict)


@settings(max_examples=200, deadline=None)
@given(values, values, st.lists(values, max_size=3), rules, st.integers(-1000, 1000))
def test_adding_a_constant_to_every_value_changes_no_verdict(
    mine: list[float], ref: list[float], extra: list[list[float]], r: Rules, c: int
) -> None:
    v = judged(mine, ref, extra, r)
    assume(clear(v))
    moved = judged(
        [x + c for x in mine], [x + c for x in ref], [[x + c for x in g] for g in extra], r
    )
    assert moved.verdict == v.verdict


@settings(max_examples=200, deadline=None)
@given(values, values, st.lists(values, max_size=3), rules)
def test_the_interval_holds_delta_and_agrees_with_the_test(
    mine: list[float], ref: list[float], extra: list[list[float]], r: Rules
) -> None:
    v = judged(mine, ref, extra, r)
    assert Verdict.from_json(v.to_json()) == v
    if v.ci is None:
        assert v.verdict == "invalid"  # no noise yet: all groups of one seed
        return
    lo, hi = v.ci
    assert lo <= (v.delta or 0.0) <= hi
    good_side = hi <= 0 if r.goal == "minimize" else lo >= 0
    bad_side = lo >= 0 if r.goal == "minimize" else hi <= 0
    if v.verdict == "better":
        assert good_side
    if v.verdict == "worse":
        assert bad_side
    if v.verdict == "within_noise" and clear(v):
        assert not good_side and not bad_side
