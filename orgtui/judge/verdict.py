"""The verdict on a group of seeds against its reference (`judge`), and its one-line summary.

Before any test the verdict checks that the seeds ended well, that the reference is
comparable (an ancestor, the same budget and device type), and that the compute is reported
and no more than the reference's (FLOPs; wall time too in a time-budget org). The test is a
two-sample t-test, one-sided in each direction: the difference of the two means over its
standard error (the pooled noise's sigma times sqrt(1/n + 1/m)) against Student's t at
alpha / M with the noise's degrees of freedom (Bonferroni over the M comparisons one
reference may serve)."""

from __future__ import annotations

import math
from typing import Any

from orgtui.enums import JobState
from orgtui.judge import compute
from orgtui.judge.model import FLAGS, VERDICTS, Group, Rules, Run, Verdict, finite
from orgtui.judge.noise import Noise
from orgtui.judge.stats import t_ppf

__all__ = ["FLAGS", "VERDICTS", "Group", "Rules", "Run", "Verdict", "judge", "summary"]

SAME = 1e-9
"""Budgets within this share of each other are the same budget."""


def _waiting(run: Run) -> bool:
    return run.state in (JobState.QUEUED, JobState.RUNNING)


def _mean(runs: list[Run]) -> float:
    """The mean of the runs' values, exact when they are all equal."""
    first = runs[0].value or 0.0
    return first + math.fsum((r.value or 0.0) - first for r in runs) / len(runs)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= SAME * max(abs(a), abs(b))


def _budget(group: Group) -> str:
    if group.budget_flops is not None:
        return f"{group.budget_flops:.4g} FLOPs"
    return f"{group.budget_time:g} s"


def _budget_differs(group: Group, reference: Group) -> bool:
    mine, theirs = group.budget_flops, reference.budget_flops
    if mine is not None and theirs is not None:
        return not _close(mine, theirs)
    if mine is None and theirs is None:
        return not _close(group.budget_time, reference.budget_time)
    return True


def _failure(group: Group, rules: Rules) -> str:
    """Why the group's own seeds cannot be judged ("" when they can)."""
    failed = [r for r in group.runs if r.state != JobState.OK]
    if failed:
        run = failed[0]
        why = f" ({run.reason})" if run.reason else ""
        more = f", and {len(failed) - 1} more" if len(failed) > 1 else ""
        return f"a seed failed: job {run.job} {run.state}{why}{more}"
    for run in group.runs:
        if not finite(run.value):
            shown = "" if run.value is None else f" (it printed {run.value})"
            return f"job {run.job} printed no {rules.metric}{shown}"
    return ""


def _places(sigma: float | None) -> int:
    """Decimals that show a value to a tenth of the noise, and at least 4."""
    if not sigma or not math.isfinite(sigma) or sigma <= 0:
        return 4
    return min(12, max(4, 1 - math.floor(math.log10(sigma))))


def judge(
    group: Group,
    reference: Group | None,
    noise: Noise,
    k: int,
    rules: Rules,
    *,
    no_reference: str = "no reference",
    ancestor: bool = True,
) -> Verdict:
    """The verdict on `group` as the `k`-th (from 1) of the comparisons `reference` serves,
    with the noise pooled over every group at this budget and device type. `no_reference` is
    the reason given when `reference` is None; `ancestor`, whether the reference's commit is
    an ancestor of the group's (the caller knows the git history, the judge does not)."""
    known: dict[str, Any] = {}
    """What is known so far: every verdict carries it, invalid ones too."""

    def ended(word: str, reason: str) -> Verdict:
        return Verdict(word, rules.metric, rules.goal, reason=reason, **known)

    if not group.runs:
        return ended("invalid", f"group {group.id} has no seeds")
    waiting = sum(1 for r in group.runs if _waiting(r))
    if waiting:
        return ended("pending", f"{waiting} of its {len(group.runs)} seeds have not ended")
    failure = _failure(group, rules)
    if failure:
        return ended("invalid", failure)
    runs = list(group.runs)
    known["mean"] = mean = _mean(runs)
    if reference is None:
        return ended("invalid", no_reference)
    if not ancestor:
        return ended(
            "invalid",
            f"reference group {reference.id}'s commit {reference.commit[:7]} is not an "
            f"ancestor of {group.commit[:7]}",
        )
    if any(_waiting(r) for r in reference.runs):
        return ended("pending", f"its reference, group {reference.id}, is still running")
    ref_runs = [r for r in reference.runs if r.state == JobState.OK and finite(r.value)]
    if not ref_runs:
        return ended("invalid", f"reference group {reference.id} has no ok seed")
    known["reference_mean"] = ref_mean = _mean(ref_runs)
    known["delta"] = delta = mean - ref_mean
    if _budget_differs(group, reference):
        return ended("invalid", f"budget differs: {_budget(group)} vs {_budget(reference)}")
    if group.device_type != reference.device_type:
        return ended(
            "invalid",
            f"device type differs: {group.device_type or '?'} vs {reference.device_type or '?'}",
        )
    for run in runs + ref_runs:
        lacking = compute.missing(run)
        if lacking:
            return ended(
                "invalid", f"missing compute: job {run.job} reported no {'/'.join(lacking)}"
            )
    mine, theirs = compute.spent(runs), compute.spent(ref_runs)
    known["compute_ratio"] = compute.ratios(mine, theirs)
    if noise.df <= 0:
        return ended(
            "invalid", "no estimate of the noise yet: every group at this budget has one seed"
        )
    if k > rules.max_comparisons:
        return ended(
            "invalid",
            f"reference group {reference.id} has served its {rules.max_comparisons} comparisons",
        )

    # The compute check, then the test.
    sign = 1.0 if rules.goal == "minimize" else -1.0
    gain = -sign * delta
    n, m = len(runs), len(ref_runs)
    tcrit = t_ppf(1.0 - rules.alpha / rules.max_comparisons, noise.df)
    half = tcrit * noise.sigma * math.sqrt(1.0 / n + 1.0 / m)
    more = compute.more_compute(mine, theirs, time_budget=group.budget_flops is None)
    known["ci"] = (delta - half, delta + half)
    known["sigma"], known["df"] = noise.sigma, noise.df
    known["comparisons"] = f"{k}/{rules.max_comparisons}"
    known["flags"] = compute.flags(mine, theirs, equal=not more)
    if more:
        return ended("more_compute", more)
    if gain > half and gain > rules.min_delta:
        word = "better"
    elif -gain > half:
        word = "worse"
    else:
        word = "within_noise"
    places = _places(noise.sigma)
    in_sigmas = f"{gain / noise.sigma:.2f}σ" if noise.sigma > 0 else "σ is 0"
    reason = (
        f"{rules.metric} {mean:.{places}f} vs {ref_mean:.{places}f}, Δ {delta:+.{places}f} "
        f"({in_sigmas}), needs {tcrit:.2f}σ·√(1/{n}+1/{m}) at {noise.df} df, "
        f"comparison {k}/{rules.max_comparisons}: {word.replace('_', ' ')}"
    )
    if word == "within_noise" and gain > half:
        reason += f" (the gain {gain:.{places}f} is not above min_delta {rules.min_delta:g})"
    return ended(word, reason)


def summary(v: Verdict) -> str:
    """One line for notices and the CLI, e.g. "within noise, val_bpb 2.6934 vs 2.6992 ±
    0.009, 0.99x FLOPs, more_params"; "invalid: <reason>" when nothing was compared."""
    if v.verdict in ("invalid", "pending") or v.mean is None or v.reference_mean is None:
        return f"{v.verdict.replace('_', ' ')}: {v.reason}"
    places = _places(v.sigma)
    parts = [
        f"{v.verdict.replace('_', ' ')}, {v.metric} {v.mean:.{places}f} vs "
        f"{v.reference_mean:.{places}f}" + (f" ± {v.sigma:.2g}" if v.sigma is not None else "")
    ]
    flops = v.compute_ratio.get("flops")
    if flops is not None:
        parts.append(f"{flops:.2f}x FLOPs")
    parts.extend(v.flags)
    return ", ".join(parts)
