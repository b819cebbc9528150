"""Each verdict and each reason a group is not compared, in the order `judge` decides."""

from __future__ import annotations

import math

import pytest

from orgtui.judge import FLAGS, VERDICTS, Noise, Rules, Verdict, judge, pooled, summary
from orgtui.judge.stats import t_ppf

from .build import group, run, with_runs

REF = group(1, [2.70, 2.71, 2.69, 2.70, 2.70])
NOISE = Noise(0.01, 20)
RULES = Rules()
TCRIT = t_ppf(1 - 0.05 / 20, 20)
SE = 0.01 * math.sqrt(1 / 3 + 1 / 5)


def verdict_of(values: list[float], **kw: object) -> Verdict:
    return judge(group(2, values), REF, NOISE, 1, RULES, **kw)  # type: ignore[arg-type]


def test_better_worse_and_within_noise_say_their_numbers() -> None:
    gap = TCRIT * SE
    better = verdict_of([2.70 - gap - 0.001] * 3)
    assert better.verdict == "better"
    assert better.reason.startswith("val_bpb 2.6760 vs 2.7000, Δ -0.0240 (2.40σ), needs 3.15σ")
    assert better.reason.endswith("√(1/3+1/5) at 20 df, comparison 1/20: better")
    assert verdict_of([2.70 + gap + 0.001] * 3).verdict == "worse"
    within = verdict_of([2.70 - gap + 0.001] * 3)
    assert within.verdict == "within_noise" and within.reason.endswith(": within noise")
    assert within.comparisons == "1/20" and within.sigma == 0.01 and within.df == 20
    assert within.delta == pytest.approx(-gap + 0.001)
    assert within.mean == pytest.approx(2.70 - gap + 0.001) and within.reference_mean == 2.70
    lo, hi = within.ci or (0.0, 0.0)
    assert lo == pytest.approx(within.delta - gap) and hi == pytest.approx(within.delta + gap)
    assert within.compute_ratio == {"flops": 1.0, "tokens": 1.0, "wall": 1.0, "params": 1.0}
    assert within.flags == () and within.final


def test_maximize_turns_the_test_around() -> None:
    rules = Rules(metric="acc", goal="maximize")
    up = judge(group(2, [2.75] * 3), REF, NOISE, 1, rules)
    down = judge(group(2, [2.65] * 3), REF, NOISE, 1, rules)
    assert (up.verdict, down.verdict) == ("better", "worse")
    assert up.reason.startswith("acc 2.7500 vs 2.7000, Δ +0.0500 (5.00σ)")


def test_a_gain_below_min_delta_is_not_better() -> None:
    rules = Rules(min_delta=0.06)
    v = judge(group(2, [2.65] * 3), REF, NOISE, 1, rules)
    assert v.verdict == "within_noise"
    assert "not above min_delta 0.06" in v.reason
    assert judge(group(2, [2.63] * 3), REF, NOISE, 1, rules).verdict == "better"


def test_no_noise_and_no_gain_is_within_noise() -> None:
    ref = group(1, [2.7] * 5)
    v = judge(group(2, [2.7] * 3), ref, Noise(0.0, 6), 1, RULES)
    assert v.verdict == "within_noise" and "σ is 0" in v.reason
    assert judge(group(2, [2.69] * 3), ref, Noise(0.0, 6), 1, RULES).verdict == "better"


def test_the_level_is_alpha_over_m_whatever_k() -> None:
    gap = TCRIT * SE
    for k in (1, 7, 20):
        v = judge(group(2, [2.70 - gap - 1e-4] * 3), REF, NOISE, k, RULES)
        assert (v.verdict, v.comparisons) == ("better", f"{k}/20")


def test_pending_while_a_seed_has_not_ended() -> None:
    g = with_runs(group(2, [2.6] * 3), run(1, None, "queued"), run(2, 2.6), run(3, None, "running"))
    v = judge(g, REF, NOISE, 1, RULES)
    assert (v.verdict, v.reason) == ("pending", "2 of its 3 seeds have not ended")
    assert not v.final and v.comparisons == ""


INVALID = [
    (
        with_runs(REF, run(7, 2.6), run(8, None, "timeout", reason="killed at budget + grace")),
        None,
        {},
        "a seed failed: job 8 timeout (killed at budget + grace)",
    ),
    (with_runs(REF, run(7, 2.6), run(8, None, "lost")), None, {}, "a seed failed: job 8 lost"),
    (with_runs(REF, run(7, 2.6), run(8, None)), None, {}, "job 8 printed no val_bpb"),
    (with_runs(REF, run(8, math.nan)), None, {}, "job 8 printed no val_bpb (it printed nan)"),
    (with_runs(REF, run(8, "2.7")), None, {}, "job 8 printed no val_bpb (it printed 2.7)"),  # type: ignore[arg-type]
    (group(2, [2.6]), "none", {}, "no baseline of an ancestor commit at this budget"),
    (
        group(2, [2.6], commit="b" * 40),
        None,
        {"ancestor": False},
        "reference group 1's commit 1111111 is not an ancestor of bbbbbbb",
    ),
    (
        group(2, [2.6]),
        with_runs(REF, run(1, None, "cancelled"), run(2, None, "failed")),
        {},
        "reference group 1 has no ok seed",
    ),
    (group(2, [2.6], budget_flops=1e12), None, {}, "budget differs: 1e+12 FLOPs vs 5e+11 FLOPs"),
    (group(2, [2.6], budget_flops=None), None, {}, "budget differs: 300 s vs 5e+11 FLOPs"),
    (group(2, [2.6], device_type="H100"), None, {}, "device type differs: H100 vs cpu"),
    (group(2, [2.6], tokens=None), None, {}, "missing compute: job 200 reported no tokens"),
    (
        group(2, [2.6], params=None, device_seconds=math.inf),
        None,
        {},
        "missing compute: job 200 reported no params/device seconds",
    ),
    (with_runs(REF), None, {}, "group 1 has no seeds"),
]


@pytest.mark.parametrize(("g", "ref", "kw", "reason"), INVALID)
def test_invalid_says_why(g, ref, kw, reason: str) -> None:  # type: ignore[no-untyped-def]
    if ref == "none":
        v = judge(g, None, NOISE, 1, RULES, no_reference=reason)
    else:
        v = judge(g, REF if ref is None else ref, NOISE, 1, RULES, **kw)
    assert (v.verdict, v.reason) == ("invalid", reason)
    assert v.final and v.comparisons == "" and v.ci is None


def test_the_reference_still_running_is_pending() -> None:
    ref = with_runs(REF, run(1, 2.7), run(2, None, "running"))
    v = judge(group(2, [2.6]), ref, NOISE, 1, RULES)
    assert (v.verdict, v.reason) == ("pending", "its reference, group 1, is still running")


def test_a_reference_with_some_failed_seeds_is_judged_on_its_ok_ones() -> None:
    ref = with_runs(REF, run(1, 2.70), run(2, None, "failed"), run(3, 2.70))
    v = judge(group(2, [2.70] * 3), ref, NOISE, 1, RULES)
    assert v.verdict == "within_noise" and "√(1/3+1/2)" in v.reason


def test_time_budgets_compare_by_time() -> None:
    g, ref = group(2, [2.6], budget_flops=None), group(1, [2.7] * 2, budget_flops=None)
    assert judge(g, ref, NOISE, 1, RULES).verdict == "better"
    v = judge(group(2, [2.6], budget_flops=None, budget_time=600), ref, NOISE, 1, RULES)
    assert v.reason == "budget differs: 600 s vs 300 s"
    same = group(2, [2.6], budget_flops=5e11 * (1 + 1e-12), budget_time=600)
    assert judge(same, REF, NOISE, 1, RULES).verdict == "better"


def test_no_noise_yet() -> None:
    v = judge(group(2, [2.6]), REF, Noise(0.0, 0), 1, RULES)
    assert v.verdict == "invalid"
    assert v.reason == "no estimate of the noise yet: every group at this budget has one seed"
    assert v.mean == 2.6 and v.reference_mean == 2.7 and v.compute_ratio["flops"] == 1.0


def test_a_reference_serves_m_comparisons() -> None:
    assert judge(group(2, [2.6]), REF, NOISE, 20, RULES).verdict == "better"
    v = judge(group(2, [2.6]), REF, NOISE, 21, RULES)
    assert (v.verdict, v.reason) == ("invalid", "reference group 1 has served its 20 comparisons")
    v = judge(group(2, [2.6]), REF, NOISE, 4, Rules(max_comparisons=3))
    assert v.reason == "reference group 1 has served its 3 comparisons"


def test_rules_refuse_nonsense() -> None:
    for bad in ({"goal": "lowest"}, {"max_comparisons": 0}, {"alpha": 1.0}, {"min_delta": -1}):
        with pytest.raises(ValueError):
            Rules(**bad)  # type: ignore[arg-type]


def test_json_round_trip_and_keys() -> None:
    noise = pooled([[2.7, 2.71, 2.69], [2.6, 2.61]] * 5)
    v = judge(group(2, [2.6, 2.61, 2.62], params=2e5), REF, noise, 3, RULES)
    data = v.to_json()
    assert list(data) == [
        "verdict", "metric", "goal", "mean", "reference_mean", "delta", "ci", "sigma", "df",
        "comparisons", "compute_ratio", "flags", "reason",
    ]  # fmt: skip
    assert isinstance(data["ci"], list) and data["flags"] == ["more_params"]
    assert list(data["compute_ratio"]) == ["flops", "tokens", "wall", "params"]
    assert Verdict.from_json(data) == v
    pending = judge(group(2, [None], state="running"), REF, noise, 3, RULES)
    assert Verdict.from_json(pending.to_json()) == pending
    assert Verdict.from_json({"verdict": "invalid", "reason": "x"}).ci is None
    with pytest.raises(ValueError):
        Verdict.from_json({"verdict": "great"})
    assert set(FLAGS) >= set(v.flags) and v.verdict in VERDICTS


def test_summary() -> None:
    noise = Noise(0.009, 20)
    ref = group(1, [2.6992] * 5)
    v = judge(group(2, [2.6934] * 3, flops=4.95e11), ref, noise, 3, RULES)
    assert summary(v) == "within noise, val_bpb 2.6934 vs 2.6992 ± 0.009, 0.99x FLOPs"
    v = judge(group(2, [2.6934] * 3, params=2e5), ref, noise, 3, RULES)
    assert summary(v).endswith("1.00x FLOPs, more_params")
    v = judge(group(2, [2.6934] * 3, flops=6e11), ref, noise, 3, RULES)
    assert summary(v).startswith("more compute, val_bpb 2.6934 vs 2.6992 ± 0.009, 1.20x FLOPs")
    v = judge(group(2, [2.6], device_type="H100"), ref, noise, 3, RULES)
    assert summary(v) == "invalid: device type differs: H100 vs cpu"
    v = judge(group(2, [None], state="queued"), ref, noise, 3, RULES)
    assert summary(v) == "pending: 1 of its 1 seeds have not ended"
