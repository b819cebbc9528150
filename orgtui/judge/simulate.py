"""The verdicts' error rates and power, measured by resampling recorded real seeds through the
real `judge`, with the noise pooled as orgd pools it.

A trial is one family: a reference group of `reference_seeds` values drawn with replacement
from the pool, then M experiment groups of `seeds` values each (drawn likewise, every value
moved by `shift_sigmas` times the pool's population standard deviation in the good
direction), judged in order k = 1..M. The noise for the k-th is `pooled` over the trial's
history groups, the reference and groups 1..k (the group judged included): every group at
the budget, as the ledger holds them. `history` gives the sizes of extra groups drawn afresh
from the pool in each trial (an earlier family, earlier baselines), which is how an org has
20 or more degrees of freedom from its first comparison."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from orgtui.judge.model import VERDICTS, Group, Rules, Run
from orgtui.judge.noise import pooled
from orgtui.judge.stats import upper95
from orgtui.judge.verdict import judge

FLOPS = 5e11
"""Every simulated seed spends the same (a tinychat run at the demo's budget): the simulation
measures the test, not the compute checks."""
DEFAULTS = Rules()


@dataclass(frozen=True)
class SimResult:
    """How often each verdict came, per comparison k and over all."""

    trials: int
    """Families simulated; each made M comparisons."""
    seeds: int
    reference_seeds: int
    shift_sigmas: float
    sigma: float
    """The pool's population standard deviation (the true per-seed noise of a draw)."""
    df: tuple[int, ...]
    """The noise's degrees of freedom at comparison k (index k - 1)."""
    counts: tuple[tuple[int, ...], ...]
    """Per comparison k (index k - 1), how many trials got each verdict, in VERDICTS order."""
    families: tuple[int, ...]
    """How many families got each verdict at least once, in VERDICTS order."""

    @property
    def comparisons(self) -> int:
        """Comparisons judged in all."""
        return self.trials * len(self.counts)

    def hits(self, word: str, k: int | None = None) -> int:
        """How many comparisons (the k-th of each family, or all) got this verdict."""
        i = VERDICTS.index(word)
        if k is not None:
            return self.counts[k - 1][i]
        return sum(row[i] for row in self.counts)

    def rate(self, word: str, k: int | None = None) -> float:
        """The share of comparisons (the k-th, or all) that got this verdict."""
        n = self.trials if k is not None else self.comparisons
        return self.hits(word, k) / n if n else 0.0

    def upper(self, word: str, k: int | None = None) -> float:
        """The 95% upper bound of that share (Clopper-Pearson)."""
        return upper95(self.hits(word, k), self.trials if k is not None else self.comparisons)

    def family_rate(self, word: str) -> float:
        """The share of families with at least one comparison of this verdict."""
        return self.families[VERDICTS.index(word)] / self.trials if self.trials else 0.0

    def family_upper(self, word: str) -> float:
        return upper95(self.families[VERDICTS.index(word)], self.trials)


def pool_of(
    records: Iterable[Mapping[str, object]], metric: str = "val_bpb", change: str = ""
) -> list[float]:
    """The metric's values of the recorded runs of one change ("" is the program as shipped:
    the null pool), skipping records without a number."""
    values = []
    for record in records:
        value = record.get(metric)
        if record.get("change") != change or isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            values.append(float(value))
    return values


def _group(gid: int, values: Sequence[float]) -> Group:
    runs = tuple(
        Run(gid * 100 + i, "ok", v, FLOPS, 675840.0, 131072.0, 14.0, 13.0, 165.0)
        for i, v in enumerate(values)
    )
    return Group(gid, runs, 300.0, FLOPS, "cpu", f"{gid:040x}")


def simulate(
    pool: Sequence[float],
    *,
    trials: int,
    shift_sigmas: float = 0.0,
    seeds: int = 3,
    reference_seeds: int = 5,
    history: Sequence[int] = (),
    rules: Rules = DEFAULTS,
    rng_seed: int = 0,
    upto: int | None = None,
) -> SimResult:
    """Judge `trials` families of M = rules.max_comparisons groups each (see the module's
    docstring); the same `rng_seed` gives the same result. `upto` judges only the first
    comparisons of each family (those do not depend on the later ones): many trials of the
    first few k, where the noise has the fewest degrees of freedom, cost little."""
    if len(pool) < 2:
        raise ValueError(f"the pool needs at least 2 values, not {len(pool)}")
    rng = random.Random(rng_seed)
    sigma = statistics.pstdev(pool)
    shift = shift_sigmas * sigma * (-1.0 if rules.goal == "minimize" else 1.0)
    m = rules.max_comparisons if upto is None else min(upto, rules.max_comparisons)
    counts = [[0] * len(VERDICTS) for _ in range(m)]
    families = [0] * len(VERDICTS)
    dfs: list[int] = []
    for trial in range(trials):
        earlier = [rng.choices(pool, k=size) for size in history]
        reference_values = rng.choices(pool, k=reference_seeds)
        reference = _group(1, reference_values)
        groups = [*earlier, reference_values]
        seen = set()
        for k in range(1, m + 1):
            values = [v + shift for v in rng.choices(pool, k=seeds)]
            groups.append(values)
            noise = pooled(groups)
            word = judge(_group(k + 1, values), reference, noise, k, rules).verdict
            i = VERDICTS.index(word)
            counts[k - 1][i] += 1
            seen.add(i)
            if trial == 0:
                dfs.append(noise.df)
        for i in seen:
            families[i] += 1
    return SimResult(
        trials=trials,
        seeds=seeds,
        reference_seeds=reference_seeds,
        shift_sigmas=shift_sigmas,
        sigma=sigma,
        df=tuple(dfs),
        counts=tuple(tuple(row) for row in counts),
        families=tuple(families),
    )


def report(result: SimResult) -> str:
    """The figures of a run of the simulation, a few lines of plain text."""
    lines = [
        f"{result.trials} families x {len(result.counts)} comparisons, groups of "
        f"{result.seeds} vs {result.reference_seeds}, shift {result.shift_sigmas:g}σ "
        f"(σ {result.sigma:.3g}), df {result.df[0]}..{result.df[-1]}"
        if result.df
        else "",
    ]
    for word in ("better", "worse", "within_noise"):
        lines.append(
            f"  {word}: {result.rate(word):.2%} (95% upper {result.upper(word):.2%}); "
            f"families with one: {result.family_rate(word):.1%}"
        )
    if result.df:
        per_k = [result.rate("better", k) for k in range(1, len(result.counts) + 1)]
        low = min(range(len(per_k)), key=per_k.__getitem__)
        high = max(range(len(per_k)), key=per_k.__getitem__)
        lines.append(
            f"  better per k: min {per_k[low]:.1%} (k={low + 1}, df {result.df[low]}), "
            f"max {per_k[high]:.1%} (k={high + 1}, df {result.df[high]})"
        )
    return "\n".join(lines)
