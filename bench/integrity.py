"""The judge's integrity figures beside their anchors (issue 14: "the null-change false-win
rate and the power at 3σ, simulated and on real tinychat runs at the demo's budget, printed
beside the old rule's").

    .venv/bin/python bench/integrity.py [--data bench/data/tinychat-5e11.jsonl] [--scale 1]

No training: it reads the real tinychat runs `bench/tinychat_runs.py` recorded at the demo's
budget (5e11 FLOPs; change "" is the program as shipped, the null pool) and says how many it
used; it fails (exit 1) when the null pool holds fewer than 12 runs. Then, through the real
verdict function (`orgtui.judge`), with σ pooled as orgd pools it:

  1. simulation (`orgtui.judge.simulate`, resampling the null pool): how often a change that
     does nothing is called `better` and `worse` per comparison, with the 95% upper bounds
     (anchor: at most 1% each), and in a whole family of M = 20 comparisons (anchor: about
     5% = alpha); the power at 3σ at every k = 1..20 once σ has 20 df or more (anchor: at
     least 80% at each k), with a fresh org (df 6 at k = 1), and for a group of one seed;
  2. the OLD rule (the built-in researcher's, gone from the product: a change of 2 seeds wins
     when its mean beats the baseline's mean of 3 seeds by more than the baseline's range) on
     the same resampled pool: its null win rate (anchor: 7-9%, as measured before;
     the same rule on Gaussian seeds too)
     and its power at 3σ, beside the judge's; and the judge at the old rule's seed counts;
  3. real runs: the recorded groups judged as orgd would judge them (compute checks on the
     recorded FLOPs, tokens, parameters and training seconds; σ pooled over every recorded
     group at the budget). A reference is 5 runs of the program as shipped; the nulls are the
     other shipped runs in groups of 3 (fresh seeds of the reference's own commit) and each
     null tweak's runs in groups of 3; then each change's groups of 3, its verdicts and Δ/σ,
     beside its effect estimated from all its runs and the simulated chance of finding an
     effect that size (the real-run power). The reference is drawn several times (each block
     of 5 shipped runs in turn) for more comparisons;
  4. a summary block, each figure beside its anchor and the old rule's.

`--scale` multiplies every simulation's trials (0.1 for a quick look; the default takes about
half a minute of CPU, longer on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.judge import (  # noqa: E402
    VERDICTS,
    Group,
    Noise,
    Rules,
    Run,
    Verdict,
    judge,
    pooled,
    t_ppf,
    upper95,
)
from orgtui.judge.simulate import SimResult, pool_of, simulate  # noqa: E402

DATA = ROOT / "bench" / "data" / "tinychat-5e11.jsonl"
BUDGET = 5e11
AT_LEAST = 12
REFERENCE_SEEDS, SEEDS = 5, 3
RULES = Rules()
M = RULES.max_comparisons
EARLIER_FAMILY = (5, 3, 3, 3, 3, 3)
"""An earlier baseline of 5 and five groups of 3: with the reference of 5 and the first group
of 3, σ has 20 degrees of freedom at k = 1 (as tests/judge/test_simulate.py)."""
ONE_SEED_HISTORY = (*EARLIER_FAMILY, 3)
"""For groups of one seed (which add no degrees of freedom): 20 df at every k."""
NULLS = (
    "softcap=14.9999",
    "muon_lr=0.0199999",
    "lr=0.0099999",
    "cooldown=0.29999",
    "weight_decay=1e-12",
)
"""Tweaks that change the run but not the model (a knob moved in its last digits)."""


# -- the old rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class OldRule:
    """The old rule's wins over `baselines` baselines of 3 seeds, each against `per` changes."""

    baselines: int
    per: int
    wins: int
    baselines_fooled: int
    """Baselines against which at least one of the `per` changes won."""

    @property
    def comparisons(self) -> int:
        return self.baselines * self.per


def old_rule(
    pool: Sequence[float],
    baselines: int,
    shift_sigmas: float,
    rng_seed: int,
    per: int = M,
    gaussian: bool = False,
) -> OldRule:
    """The built-in researcher's rule, gone from the product: a change of 2 seeds wins iff its
    mean beats its baseline's mean (3 seeds) by more than the baseline's max - min. Seeds are
    drawn from the pool (or, `gaussian`, from a normal law with the pool's σ), a change's
    moved by `shift_sigmas` times the pool's population σ towards lower val_bpb."""
    rng = random.Random(rng_seed)
    sigma = statistics.pstdev(pool)
    shift = shift_sigmas * sigma
    mu = statistics.fmean(pool)

    def draw(k: int) -> list[float]:
        if gaussian:
            return [rng.gauss(mu, sigma) for _ in range(k)]
        return rng.choices(pool, k=k)

    wins = fooled = 0
    for _ in range(baselines):
        base = draw(3)
        mean, spread = (base[0] + base[1] + base[2]) / 3, max(base) - min(base)
        won = 0
        for _ in range(per):
            mine = draw(2)
            won += mean - ((mine[0] + mine[1]) / 2 - shift) > spread
        wins += won
        fooled += won > 0
    return OldRule(baselines, per, wins, fooled)


# -- printing --------------------------------------------------------------------------


def pct(x: float) -> str:
    return f"{x:.2%}" if x < 0.1 else f"{x:.1%}"


def rate_upper(hits: int, n: int) -> str:
    return f"{pct(hits / n)} (95% upper {pct(upper95(hits, n))})"


def row(name: str, value: str, anchor: str = "", ok: bool | None = None, old: str = "") -> None:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    print(f"  {name:44} {value:28} {anchor:16} {mark:6} {old}".rstrip())


def per_k(result: SimResult, word: str = "better") -> list[float]:
    return [result.rate(word, k) for k in range(1, len(result.counts) + 1)]


# -- the simulation --------------------------------------------------------------------


@dataclass(frozen=True)
class Simulated:
    null: SimResult
    power: SimResult
    rates: list[float]
    """The 3σ gain called better at k = 1..M (k = 1, 2 from the extra trials too)."""
    fresh: SimResult
    one: SimResult
    old_null: OldRule
    old_family: OldRule
    old_power: OldRule
    judge_old_power: SimResult


def simulated(pool: list[float], scale: float) -> Simulated:
    """Every simulated figure, printed."""

    def n(trials: int) -> int:
        return max(50, int(trials * scale))

    start = time.monotonic()
    null = simulate(pool, trials=n(5000), rng_seed=11)
    power = simulate(pool, trials=n(10000), shift_sigmas=3.0, history=EARLIER_FAMILY, rng_seed=12)
    # The first comparisons have the fewest df and the least power: more trials of those.
    first = simulate(
        pool, trials=n(20000), shift_sigmas=3.0, history=EARLIER_FAMILY, upto=2, rng_seed=23
    )
    fresh = simulate(pool, trials=n(20000), shift_sigmas=3.0, upto=1, rng_seed=13)
    one = simulate(
        pool, trials=n(2000), shift_sigmas=3.0, seeds=1, history=ONE_SEED_HISTORY, rng_seed=14
    )
    one_null = simulate(pool, trials=n(2000), seeds=1, history=ONE_SEED_HISTORY, rng_seed=15)
    judge_old_null, judge_old_power = (
        simulate(
            pool,
            trials=n(2000),
            shift_sigmas=shift,
            seeds=2,
            reference_seeds=3,
            history=EARLIER_FAMILY,
            rng_seed=16 + i,
        )
        for i, shift in enumerate((0.0, 3.0))
    )
    old_null = old_rule(pool, n(200000), 0.0, rng_seed=18, per=1)
    old_family = old_rule(pool, n(10000), 0.0, rng_seed=19)
    old_power = old_rule(pool, n(200000), 3.0, rng_seed=20, per=1)
    gauss_null = old_rule(pool, n(200000), 0.0, rng_seed=21, per=1, gaussian=True)
    gauss_power = old_rule(pool, n(200000), 3.0, rng_seed=22, per=1, gaussian=True)
    took = time.monotonic() - start

    print(
        f"\n1. simulation: the judge (groups of {SEEDS} vs a reference of {REFERENCE_SEEDS}, "
        f"M = {M}, alpha {RULES.alpha:g}) on the null pool resampled, σ {null.sigma:.4f} "
        f"(the pool's population sd; shifts are in it), {took:.0f} s for sections 1 and 2"
    )
    total = null.comparisons
    print(
        f"  a change that does nothing, {null.trials} families x {M} comparisons ({total} "
        f"judged; σ's df {null.df[0]}..{null.df[-1]} as the family grows):"
    )
    b, w = null.hits("better"), null.hits("worse")
    row("called better, per comparison", rate_upper(b, total), "≤ 1%", upper95(b, total) <= 0.01)
    row("called worse, per comparison", rate_upper(w, total), "≤ 1%", upper95(w, total) <= 0.01)
    fb, fw = null.families[VERDICTS.index("better")], null.families[VERDICTS.index("worse")]
    row(
        f"families of {M} with a false better",
        rate_upper(fb, null.trials),
        "about 5% = α",
        null.family_rate("better") <= 0.07,
    )
    row(
        f"families of {M} with a false worse",
        rate_upper(fw, null.trials),
        "about 5% = α",
        null.family_rate("worse") <= 0.07,
    )
    nb = per_k(null)
    row("called better at the worst k; at k = 1", f"{max(nb):.2%}; {nb[0]:.2%} (df {null.df[0]})")

    rates = per_k(power)
    for k in range(1, len(first.counts) + 1):
        hits = power.hits("better", k) + first.hits("better", k)
        rates[k - 1] = hits / (power.trials + first.trials)
    lo, hi = min(range(M), key=rates.__getitem__), max(range(M), key=rates.__getitem__)
    print(
        f"  a 3σ gain, {power.trials} families x {M} (an earlier family judged first: σ's df "
        f"{power.df[0]}..{power.df[-1]}; k = 1, 2 from {first.trials} more trials each):"
    )
    row(
        f"called better, min over k = 1..{M}",
        f"{rates[lo]:.1%} (k={lo + 1}, df {power.df[lo]})",
        "≥ 80% at each k",
        rates[lo] >= 0.80,
    )
    row("called better, max over k", f"{rates[hi]:.1%} (k={hi + 1}, df {power.df[hi]})")
    row("called worse", rate_upper(power.hits("worse"), power.comparisons))
    print("    by k: " + " ".join(f"{r:.0%}" for r in rates))
    row(
        f"fresh org (df {fresh.df[0]} at k = 1), {fresh.trials} trials",
        rate_upper(fresh.hits("better", 1), fresh.trials),
    )
    row(
        f"a group of one seed (df {one.df[0]}), {one.comparisons}",
        rate_upper(one.hits("better"), one.comparisons),
    )
    row(
        "  its null called better / worse",
        f"{pct(one_null.rate('better'))} / {pct(one_null.rate('worse'))}",
        "≤ 1%",
        max(one_null.upper("better"), one_null.upper("worse")) <= 0.01,
    )

    print(
        f"\n2. the old rule (2 seeds vs a baseline of 3, a win iff the gain in means > the "
        f"baseline's max - min), {old_null.comparisons} trials each on the same pool:"
    )
    row(
        "null change called a win",
        rate_upper(old_null.wins, old_null.comparisons),
        "7-9% (measured)",
    )
    row(
        f"baselines with a false win among {M} changes",
        rate_upper(old_family.baselines_fooled, old_family.baselines),
        "judge: about 5%",
    )
    row("3σ gain called a win", rate_upper(old_power.wins, old_power.comparisons))
    print("  the same rule on Gaussian seeds of the same σ, beside the 7-9% anchor:")
    row(
        "null change called a win",
        rate_upper(gauss_null.wins, gauss_null.comparisons),
        "7-9% (measured)",
        0.07 <= gauss_null.wins / gauss_null.comparisons <= 0.09,
    )
    row("3σ gain called a win", rate_upper(gauss_power.wins, gauss_power.comparisons))
    print(
        f"  the judge with the old rule's seeds (2 vs 3, σ's df {judge_old_null.df[0]}.."
        f"{judge_old_null.df[-1]}), {judge_old_null.comparisons} comparisons each:"
    )
    row(
        "null change called better",
        rate_upper(judge_old_null.hits("better"), judge_old_null.comparisons),
        "≤ 1%",
        judge_old_null.upper("better") <= 0.01,
    )
    row(
        "3σ gain called better",
        rate_upper(judge_old_power.hits("better"), judge_old_power.comparisons),
    )
    return Simulated(
        null, power, rates, fresh, one, old_null, old_family, old_power, judge_old_power
    )


# -- the real runs ---------------------------------------------------------------------


def as_run(record: dict) -> Run:
    seconds = record.get("training_seconds")
    return Run(
        job=int(record["seed"]),
        state="ok",
        value=record.get("val_bpb"),
        flops=record.get("flops"),
        tokens=record.get("total_tokens"),
        params=record.get("num_params"),
        wall_seconds=seconds,
        device_seconds=seconds,
        steps=record.get("num_steps"),
    )


def as_group(gid: int, records: Sequence[dict]) -> Group:
    return Group(gid, tuple(as_run(r) for r in records), 300.0, BUDGET, "cpu", f"{gid:040x}")


def chunks(records: Sequence[dict], size: int = SEEDS) -> list[list[dict]]:
    """Consecutive groups of `size` (in seed order); a remainder is left out."""
    return [list(records[i : i + size]) for i in range(0, len(records) - size + 1, size)]


def values(group: Group) -> list[float]:
    return [r.value for r in group.runs if r.value is not None]


def sigmas(v: Verdict) -> float:
    """Δ in units of σ (Δ = group - reference: negative is lower val_bpb, better)."""
    return (v.delta or 0.0) / v.sigma if v.sigma else math.nan


@dataclass(frozen=True)
class Effect:
    """A change's effect from all its runs against all the shipped runs, and what the judge
    said of its groups."""

    change: str
    runs: int
    sigmas: float
    """Its mean - the shipped mean, in σ (negative: lower val_bpb, better)."""
    half: float
    """The half-width of its 95% interval, in σ."""
    verdicts: Counter
    expected: float | None
    """The simulated chance the judge calls an effect of this size at the real df."""

    @property
    def real(self) -> bool:
        return abs(self.sigmas) > self.half

    @property
    def word(self) -> str:
        return "better" if self.sigmas < 0 else "worse"


@dataclass(frozen=True)
class Real:
    runs: int
    nulls: Counter
    effects: list[Effect]
    distinct: int
    """Distinct null comparisons (the tweaks' same-seed groups counted once), all draws."""


def real(records: list[dict], pool: list[float], scale: float) -> Real:
    """The recorded groups judged against several reference draws, printed."""
    by_change: dict[str, list[dict]] = {}
    for r in records:
        if isinstance(r.get("val_bpb"), int | float) and math.isfinite(r["val_bpb"]):
            by_change.setdefault(r["change"], []).append(r)
    for runs in by_change.values():
        runs.sort(key=lambda r: r["seed"])
    shipped = by_change.get("", [])
    nulls = [c for c in NULLS if c in by_change]
    changes = [c for c in by_change if c and c not in NULLS]
    draws = len(shipped) // REFERENCE_SEEDS
    used = sum(len(v) for v in by_change.values())

    verdicts: dict[str, Counter] = {}
    deltas: dict[str, list[float]] = {}
    flagged: dict[str, Counter] = {}
    noises = []
    for d in range(draws):
        lo = d * REFERENCE_SEEDS
        reference = as_group(1, shipped[lo : lo + REFERENCE_SEEDS])
        rest = shipped[:lo] + shipped[lo + REFERENCE_SEEDS :]
        judged = [("", part) for part in chunks(rest)]
        judged += [(c, part) for c in nulls + changes for part in chunks(by_change[c])]
        groups = [as_group(gid, part) for gid, (_, part) in enumerate(judged, 2)]
        noise = pooled([values(reference), *(values(g) for g in groups)])
        noises.append(noise)
        for i, ((c, _), g) in enumerate(zip(judged, groups, strict=True)):
            v = judge(g, reference, noise, i % M + 1, RULES)
            verdicts.setdefault(c, Counter())[v.verdict] += 1
            deltas.setdefault(c, []).append(sigmas(v))
            for f in v.flags:
                flagged.setdefault(f, Counter())[c or "shipped"] += 1
    per_draw = sum(verdicts[c].total() for c in verdicts) // max(draws, 1)
    left = (len(shipped) - REFERENCE_SEEDS) % SEEDS
    tcrit = t_ppf(1.0 - RULES.alpha / M, noises[0].df)
    need = tcrit * math.sqrt(1 / SEEDS + 1 / REFERENCE_SEEDS)
    spans = ", ".join(
        f"{shipped[d * 5]['seed']}-{shipped[d * 5 + 4]['seed']}" for d in range(draws)
    )
    print(
        f"\n3. real runs: {used} recorded runs in groups of {SEEDS}, judged against {draws} "
        f"reference draws of {REFERENCE_SEEDS} shipped runs (seeds {spans}), {per_draw} "
        f"groups against each; σ pooled over the {per_draw + 1} groups of a draw, as orgd "
        f"pools every group at the budget: σ {min(n.sigma for n in noises):.4f}.."
        f"{max(n.sigma for n in noises):.4f}, df {noises[0].df}"
        + (f"; {left} shipped run left over in each draw, not judged" if left else "")
    )
    # The program's own noise, and the changes whose seeds spread more (they raise σ).
    program = pooled(
        [pool_of(chunk, change=c) for c in ["", *nulls] for chunk in chunks(by_change[c])]
    )
    wide = []
    for c in changes:
        own = pooled(pool_of(chunk, change=c) for chunk in chunks(by_change[c]))
        if own.df and own.sigma > 1.25 * program.sigma:
            wide.append(f"{c} {own.sigma:.4f} (df {own.df})")
    print(
        f"  σ over the shipped and null groups alone: {program.sigma:.4f} (df {program.df})"
        + (f"; seeds spread more within: {', '.join(wide)}" if wide else "")
    )
    print(
        f"  compute checked on the recorded FLOPs, tokens, parameters, steps and training "
        f"seconds. The test is the same at every k (each at α/M = {RULES.alpha / M:.2%}); a "
        f"reference serves {M}, so a draw's comparisons are numbered 1..{M}, 1..; a verdict "
        f"other than within noise needs |Δ| > {need:.2f}σ (t {tcrit:.2f} at df {noises[0].df} "
        f"times √(1/{SEEDS} + 1/{REFERENCE_SEEDS}))"
    )

    print("  nulls (Δ/σ: group - reference, in σ; lower val_bpb is better):")
    total: Counter = Counter()
    for c in ["", *nulls]:
        counts = verdicts.get(c, Counter())
        total.update(counts)
        name = "shipped program, fresh seeds" if c == "" else c
        other = {w: n for w, n in counts.items() if w not in ("better", "worse", "within_noise")}
        ds = deltas.get(c, [])
        print(
            f"    {name:30} {counts.total():4} comparisons: better {counts['better']}, "
            f"worse {counts['worse']}, within noise {counts['within_noise']}"
            + (f", {dict(other)}" if other else "")
            + (f"   Δ/σ {min(ds):+.2f}..{max(ds):+.2f}" if ds else "")
        )
    n = total.total()
    print(
        f"    {'all nulls':30} {n:4} comparisons: better {rate_upper(total['better'], n)}, "
        f"worse {rate_upper(total['worse'], n)}"
    )

    # The null tweaks ran the same seeds: how far apart are their same-seed values?
    by_seed: dict[int, list[float]] = {}
    for c in nulls:
        for r in by_change[c]:
            by_seed.setdefault(r["seed"], []).append(r["val_bpb"])
    spread = max((max(v) - min(v) for v in by_seed.values() if len(v) > 1), default=0.0)
    distinct = len(chunks(shipped[REFERENCE_SEEDS:])) + len(by_seed) // SEEDS
    sigma = noises[0].sigma
    if by_seed:
        print(
            f"    the {len(nulls)} tweaks ran the same seeds ({min(by_seed)}..{max(by_seed)}) "
            f"and their same-seed val_bpb agree to within {spread:.1e} "
            f"({spread / sigma:.4f}σ): none of them moved the model (each is a true null), "
            f"but their {sum(len(by_change[c]) // SEEDS for c in nulls)} groups are "
            f"{len(by_seed) // SEEDS} distinct draws, so a draw's {n // draws} null "
            f"comparisons hold {distinct} distinct ones, all sharing the reference: the "
            "bounds above treat them as independent and are optimistic"
        )

    # What the judge should find: each change's effect from all its runs.
    ship_mean = statistics.fmean(r["val_bpb"] for r in shipped)
    t975 = t_ppf(0.975, noises[0].df)
    effects = []
    print(
        f"  changes: the effect of all its runs against all {len(shipped)} shipped (in σ, "
        f"with its 95% interval), its groups' verdicts against the {draws} references, and "
        f"the chance the judge calls an effect that size with this σ and df (simulated: "
        f"seeds resampled from the shipped runs, moved by the effect):"
    )
    for c in changes:
        runs = by_change[c]
        effect = (statistics.fmean(r["val_bpb"] for r in runs) - ship_mean) / sigma
        half = t975 * math.sqrt(1 / len(runs) + 1 / len(shipped))
        counts = verdicts.get(c, Counter())
        expected = None
        e = Effect(c, len(runs), effect, half, counts, None)
        if counts and e.real:
            trials = max(50, int(4000 * scale))
            expected = chance(shipped, effect * sigma, noises[0], e.word, trials, rng_seed=22)
            e = Effect(c, len(runs), effect, half, counts, expected)
        effects.append(e)
        said = ", ".join(f"{w.replace('_', ' ')} {counts[w]}" for w in sorted(counts))
        ds = deltas.get(c, [])
        print(
            f"    {c:18} {len(runs)} runs: {effect:+6.2f}σ ± {half:.2f} "
            f"({'real, ' + e.word if e.real else 'no effect shown'}); "
            f"{counts.total()} comparisons: {said or 'none (under 3 runs)'}"
            + (f"; Δ/σ {min(ds):+.2f}..{max(ds):+.2f}" if ds else "")
            + (f"; expected {e.word} {expected:.0%}" if expected is not None else "")
        )
    if flagged:
        print("  flags on the real comparisons (no verdict moves with a flag):")
        for f, by in sorted(flagged.items()):
            print(f"    {f} {by.total()}: " + ", ".join(f"{c} {m}" for c, m in by.most_common()))
        if "compute_unverified" in flagged:
            secs = [r["training_seconds"] for r in records if r.get("training_seconds")]
            print(
                f"    (training_seconds ran {min(secs):.1f}..{max(secs):.1f} s: the runs were "
                "recorded two at a time on a busy machine, and compute_unverified includes "
                "device seconds over 1.5x the reference's)"
            )
    return Real(used, total, effects, distinct * draws)


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def chance(
    shipped: Sequence[dict], shift: float, noise: Noise, word: str, trials: int, rng_seed: int
) -> float:
    """How often the judge says `word` of a group of 3 whose seeds are shipped runs (drawn
    with replacement) moved by `shift` (val_bpb), against a reference of 5 shipped runs, with
    the noise held at `noise` (the real draws' σ and df)."""
    rng = random.Random(rng_seed)
    hits = 0
    for _ in range(trials):
        reference = as_group(1, rng.choices(shipped, k=REFERENCE_SEEDS))
        mine = [{**r, "val_bpb": r["val_bpb"] + shift} for r in rng.choices(shipped, k=SEEDS)]
        hits += judge(as_group(2, mine), reference, noise, 1, RULES).verdict == word
    return hits / trials


# -- main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every trial count")
    args = parser.parse_args()

    if not args.data.exists():
        print(f"{args.data} is missing: record it with bench/tinychat_runs.py", file=sys.stderr)
        return 1
    lines = [line for line in args.data.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    pool = pool_of(records)
    if len(pool) < AT_LEAST:
        print(
            f'{args.data} holds {len(pool)} runs of the program as shipped (change ""); '
            f"the benchmark needs at least {AT_LEAST}: record more with "
            "bench/tinychat_runs.py",
            file=sys.stderr,
        )
        return 1
    changes = Counter(r.get("change", "") for r in records)
    print(
        f"{shown(args.data)}: {len(records)} recorded runs at {BUDGET:g} FLOPs: {len(pool)} of the "
        f"program as shipped (the null pool; val_bpb mean {statistics.fmean(pool):.4f}, sd "
        f"{statistics.stdev(pool):.4f}), " + ", ".join(f"{c} {n}" for c, n in changes.items() if c)
    )

    sim = simulated(pool, args.scale)
    got = real(records, pool, args.scale)

    null, old_null, old_power = sim.null, sim.old_null, sim.old_power
    rates = sim.rates
    nulls, n = got.nulls, got.nulls.total()
    print(
        f"\nsummary ({len(records)} recorded runs, {len(pool)} in the null pool; the judge: "
        f"groups of {SEEDS} vs a reference of {REFERENCE_SEEDS}):"
    )
    print(f"  {'figure':44} {'measured':28} {'anchor':16} {'':6} old rule (2 vs 3 seeds)")
    row(
        "null change called better",
        rate_upper(null.hits("better"), null.comparisons),
        "≤ 1%",
        null.upper("better") <= 0.01,
        pct(old_null.wins / old_null.comparisons),
    )
    row(
        "null change called worse",
        rate_upper(null.hits("worse"), null.comparisons),
        "≤ 1%",
        null.upper("worse") <= 0.01,
        "(has no worse)",
    )
    row(
        f"a family of {M} with a false better",
        pct(null.family_rate("better")),
        "about 5% = α",
        null.family_rate("better") <= 0.07,
        pct(sim.old_family.baselines_fooled / sim.old_family.baselines),
    )
    row(
        f"power at 3σ, df ≥ 20, k = 1..{M}",
        f"{min(rates):.1%} .. {max(rates):.1%}",
        "≥ 80% each k",
        min(rates) >= 0.80,
        pct(old_power.wins / old_power.comparisons),
    )
    row(f"power at 3σ, a fresh org (df {sim.fresh.df[0]}, k = 1)", pct(sim.fresh.rate("better", 1)))
    row(f"power at 3σ, a group of one seed (df {sim.one.df[0]})", pct(sim.one.rate("better")))
    row(
        "power at 3σ with the old rule's 2 vs 3 seeds",
        pct(sim.judge_old_power.rate("better")),
        "",
        None,
        pct(old_power.wins / old_power.comparisons),
    )
    row(
        "real nulls called better",
        f"{nulls['better']} of {n} (95% upper {pct(upper95(nulls['better'], n))})",
        "≤ 1%",
    )
    row(
        "real nulls called worse",
        f"{nulls['worse']} of {n} (95% upper {pct(upper95(nulls['worse'], n))})",
        "≤ 1%",
    )
    print(
        f"    ({got.distinct} of the {n} real null comparisons are distinct, and they share "
        "references: the bounds treat them as independent)"
    )
    for e in got.effects:
        if e.real:
            hits = e.verdicts[e.word]
            exp = f", expected {e.expected:.0%}" if e.expected is not None else ""
            row(
                f"real {e.change} ({e.sigmas:+.1f}σ) called {e.word}",
                f"{hits} of {e.verdicts.total()}{exp}",
            )
    quiet = [e.change for e in got.effects if not e.real]
    if quiet:
        print(f"  no effect shown by all their runs (95%): {', '.join(quiet)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
