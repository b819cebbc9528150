"""The progress score as pure functions: the curve's points, the area under it, every figure
of the score on histories with known answers, and the bootstrap interval."""

from __future__ import annotations

import random
import statistics

import pytest

from orgtui.judge.progress import (
    SHARES,
    History,
    Promotion,
    Spend,
    area,
    bootstrap_ci,
    improvement,
    score,
)

T0 = 1_000_000.0


def history(**over: object) -> History:
    """Minimize val_bpb from 1.0 (σ 0.1); three promotions (the second no better than the
    first), one rejected, one failed, one still verifying; 4 device-hours by t = 400 s and one
    more after it."""
    fields: dict[str, object] = dict(
        metric="val_bpb", goal="minimize", started_at=T0, start_mean=1.0, sigma=0.1,
        spends=[Spend(T0 + 50, 3600.0, "baselines"), Spend(T0 + 150, 7200.0, "experiments"),
                Spend(T0 + 250, 3600.0, "verification"), Spend(T0 + 500, 3600.0, "other")],
        promotions=[Promotion(1, 11, "promoted", T0 + 100, 0.9),
                    Promotion(2, 12, "promoted", T0 + 200, 0.95),
                    Promotion(3, 13, "rejected", T0 + 250, None),
                    Promotion(4, 14, "promoted", T0 + 300, 0.8),
                    Promotion(5, 15, "failed", T0 + 310, None),
                    Promotion(6, 16, "verifying", None, None),
                    Promotion(7, 17, "rejected", T0 + 450, None)],
        screening_wins=[T0 + 90, T0 + 180, T0 + 240, T0 + 290, T0 + 420],
        last_at=T0 + 500,
    )  # fmt: skip
    fields.update(over)
    return History(**fields)  # type: ignore[arg-type]


def test_improvement_is_positive_when_better_whatever_the_goal() -> None:
    assert improvement(1.0, 0.8, "minimize") == pytest.approx(0.2)
    assert improvement(1.0, 1.3, "maximize") == pytest.approx(0.3)
    assert improvement(1.0, 1.1, "minimize") == pytest.approx(-0.1)


def test_area_is_the_mean_of_the_step_curve_over_the_horizon() -> None:
    assert area([(10.0, 1.0), (30.0, 3.0)], 50.0) == pytest.approx((1 * 20 + 3 * 20) / 50)
    assert area([], 50.0) == 0.0
    assert area([(60.0, 5.0)], 50.0) == 0.0  # a step past the horizon adds nothing
    assert area([(0.0, 2.0)], 10.0) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        area([(1.0, 1.0)], 0.0)


def test_the_score_of_a_history_with_known_answers() -> None:
    found = score(history(), horizon=400.0)
    assert [(p.t, p.device_hours, p.best, p.promotion) for p in found.points] == [
        (100.0, 1.0, 0.9, 1), (300.0, 4.0, 0.8, 4)]  # fmt: skip
    s = found.score
    # improvement 0.1 from t=100 to 300, 0.2 from 300 to 400: (0.1*200 + 0.2*100) / 400.
    assert s.auc == pytest.approx(0.1)
    assert s.improvement == pytest.approx(0.2) and s.improvement_sigma == pytest.approx(2.0)
    assert s.time_to_first_win == 100.0
    assert s.verified_wins == 3  # the second promotion counts though it set no new best
    assert s.device_hours_per_win == pytest.approx(4.0 / 3)
    assert s.false_discoveries == 1  # the rejection at t=450 is past the horizon
    assert s.screening_wins == 4
    assert s.compute_share == pytest.approx(
        {"baselines": 0.25, "verification": 0.25, "experiments": 0.5, "other": 0.0}
    )
    assert found.device_hours == pytest.approx(4.0) and found.horizon == 400.0


def test_the_default_horizon_ends_at_the_ledgers_last_event() -> None:
    found = score(history())
    assert found.horizon == 500.0
    s = found.score
    assert s.auc == pytest.approx((0.1 * 200 + 0.2 * 200) / 500)
    assert s.false_discoveries == 2 and s.screening_wins == 5
    assert s.compute_share["other"] == pytest.approx(0.2)


def test_a_horizon_before_a_promotion_leaves_it_out() -> None:
    s = score(history(), horizon=250.0).score
    assert s.verified_wins == 2 and s.improvement == pytest.approx(0.1)
    assert s.auc == pytest.approx(0.1 * 150 / 250)


def test_an_early_win_scores_higher_than_the_same_win_late() -> None:
    early = history(promotions=[Promotion(1, 11, "promoted", T0 + 50, 0.8)])
    late = history(promotions=[Promotion(1, 11, "promoted", T0 + 350, 0.8)])
    a, b = score(early, 400.0).score, score(late, 400.0).score
    assert a.improvement == b.improvement == pytest.approx(0.2)
    assert a.auc == pytest.approx(0.2 * 350 / 400) and b.auc == pytest.approx(0.2 * 50 / 400)


def test_maximize() -> None:
    h = history(goal="maximize", metric="core", start_mean=0.2, sigma=0.05, promotions=[
        Promotion(1, 11, "promoted", T0 + 100, 0.25), Promotion(2, 12, "promoted", T0 + 200, 0.22),
        Promotion(3, 13, "promoted", T0 + 300, 0.3)])  # fmt: skip
    found = score(h, 400.0)
    assert [p.best for p in found.points] == [0.25, 0.3]
    assert found.score.improvement == pytest.approx(0.1)
    assert found.score.improvement_sigma == pytest.approx(2.0)
    assert found.score.auc == pytest.approx((0.05 * 200 + 0.1 * 100) / 400)
    assert found.to_json()["goal"] == "maximize"


def test_no_promotion_scores_zero_with_nulls_where_undefined() -> None:
    s = score(history(promotions=[]), 400.0).score
    assert (s.auc, s.improvement, s.improvement_sigma) == (0.0, 0.0, 0.0)
    assert s.time_to_first_win is None and s.device_hours_per_win is None
    assert (s.verified_wins, s.false_discoveries) == (0, 0)


def test_without_a_starting_baseline_or_noise_the_improvement_is_unknown() -> None:
    s = score(history(start_mean=None, sigma=None), 400.0).score
    assert s.auc is None and s.improvement is None and s.improvement_sigma is None
    assert s.verified_wins == 3 and s.time_to_first_win == 100.0
    s = score(history(sigma=None), 400.0).score
    assert s.improvement == pytest.approx(0.2) and s.improvement_sigma is None


def test_an_empty_history() -> None:
    found = score(History("val_bpb", "minimize", None, None, None))
    assert found.horizon == 0.0 and found.points == ()
    assert found.score.auc is None and found.score.compute_share == {k: 0.0 for k in SHARES}
    with pytest.raises(ValueError):
        score(history(), horizon=-1.0)


def test_a_promoted_value_worse_than_the_start_counts_as_it_is() -> None:
    h = history(promotions=[Promotion(1, 11, "promoted", T0 + 200, 1.05)])
    s = score(h, 400.0).score
    assert s.improvement == pytest.approx(-0.05) and s.auc == pytest.approx(-0.05 * 200 / 400)


def test_the_json_keys() -> None:
    data = score(history(), 400.0).to_json()
    assert list(data) == ["metric", "goal", "start", "points", "score"]
    assert data["start"] == {"mean": 1.0, "sigma": 0.1}
    assert all(list(p) == ["t", "device_hours", "best", "promotion"] for p in data["points"])
    assert set(data["score"]) == {"auc", "improvement", "improvement_sigma", "time_to_first_win",
                                  "device_hours_per_win", "false_discoveries", "screening_wins",
                                  "verified_wins", "compute_share"}  # fmt: skip
    assert list(data["score"]["compute_share"]) == list(SHARES)


def test_bootstrap_of_one_value_or_equal_values_is_that_value() -> None:
    assert bootstrap_ci([0.3]) == (0.3, 0.3)
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)
    with pytest.raises(ValueError):
        bootstrap_ci([])
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0], level=1.0)
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0], resamples=0)


def test_bootstrap_is_repeatable_and_about_the_normal_interval() -> None:
    rng = random.Random(3)
    values = [rng.gauss(5.0, 1.0) for _ in range(200)]
    low, high = bootstrap_ci(values)
    assert bootstrap_ci(values) == (low, high)
    mean, se = statistics.fmean(values), statistics.stdev(values) / len(values) ** 0.5
    assert low < mean < high
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.15)
    narrow = bootstrap_ci(values, level=0.5)
    assert low < narrow[0] < narrow[1] < high
    # Two values: the resampled means are 0, 0.5 or 1; the 95 % interval spans them all.
    assert bootstrap_ci([0.0, 1.0]) == (0.0, 1.0)
