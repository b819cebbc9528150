"""The verdict's contract, measured by resampling the recorded real tinychat seeds of the
program as shipped (`bench/data/tinychat-5e11.jsonl`, change "") through the real `judge`,
with the noise pooled as orgd pools it:

- a change that does nothing is called better in at most 1% of comparisons, and worse in at
  most 1% (over 20,000 comparisons);
- a true improvement of 3 sigma is called better at least 80% of the time at every
  comparison k = 1..M once the noise has 20 degrees of freedom (groups of 3 seeds against a
  reference of 5, M = 20, alpha 0.05)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgtui.judge.simulate import pool_of, report, simulate

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "tinychat-5e11.jsonl"
AT_LEAST = 12

EARLIER_FAMILY = (5, 3, 3, 3, 3, 3)
"""A baseline of 5 and five groups of 3 judged before: 14 degrees of freedom, so the noise
has 20 at the first comparison of the family simulated."""


def null_pool() -> list[float]:
    """The recorded val_bpb of the program as shipped; fails (never skips) with too few."""
    if not DATA.exists():
        pytest.fail(f"{DATA} is missing: record it with bench/tinychat_runs.py")
    records = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    pool = pool_of(records)
    if len(pool) < AT_LEAST:
        pytest.fail(
            f'{DATA} holds {len(pool)} runs of the program as shipped (change ""); the '
            f"contract tests need at least {AT_LEAST}: record more with bench/tinychat_runs.py"
        )
    return pool


def test_a_change_that_does_nothing_is_rarely_called_better_or_worse() -> None:
    result = simulate(null_pool(), trials=1000)
    print(report(result))
    assert result.comparisons >= 20_000
    assert result.df == tuple(range(6, 46, 2))
    for word in ("better", "worse"):
        assert result.rate(word) <= 0.01, report(result)
        assert result.upper(word) <= 0.01, report(result)
    # Bonferroni keeps a whole family's false wins near alpha (5%).
    assert result.family_rate("better") <= 0.07, report(result)


def test_a_3_sigma_gain_is_called_better_80_percent_of_the_time_at_every_k() -> None:
    pool = null_pool()
    # The first comparisons have the fewest degrees of freedom and the least power: many
    # trials of those, fewer of whole families.
    first = simulate(pool, trials=20_000, shift_sigmas=3.0, history=EARLIER_FAMILY, upto=2)
    families = simulate(pool, trials=2_000, shift_sigmas=3.0, history=EARLIER_FAMILY, rng_seed=1)
    print(report(first), report(families), sep="\n")
    assert first.df == (20, 22) and families.df[0] == 20 and len(families.df) == 20
    for k in (1, 2):
        assert first.rate("better", k) >= 0.80, report(first)
    for k in range(3, 21):
        assert families.rate("better", k) >= 0.80, f"k={k}\n{report(families)}"
    assert families.rate("worse") == 0.0


def test_simulate_is_repeatable_and_checks_its_pool() -> None:
    pool = [1.0, 2.0, 3.0, 2.5]
    a = simulate(pool, trials=20, shift_sigmas=1.0, rng_seed=3)
    assert a == simulate(pool, trials=20, shift_sigmas=1.0, rng_seed=3)
    assert a.comparisons == 400 and sum(sum(row) for row in a.counts) == 400
    assert a.hits("better") == sum(a.hits("better", k) for k in range(1, 21))
    with pytest.raises(ValueError):
        simulate([1.0], trials=1)


def test_pool_of_takes_one_change_and_only_numbers() -> None:
    records = [
        {"change": "", "val_bpb": 2.7},
        {"change": "lr=0.02", "val_bpb": 2.6},
        {"change": "", "val_bpb": None},
        {"change": "", "val_bpb": float("nan")},
        {"change": "", "val_bpb": True},
        {"change": "", "val_bpb": 3},
    ]
    assert pool_of(records) == [2.7, 3.0]
    assert pool_of(records, change="lr=0.02") == [2.6]
