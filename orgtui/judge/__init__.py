"""Verdicts on results: pure functions from a group of seeds and its reference (per-seed
metrics and compute) to a verdict (DESIGN.md, "How the ledger judges results"). All of orgtui's
statistics live here and nowhere else. A leaf: it imports nothing of orgtui's but
`orgtui.enums`, so the ledger, the daemon and the reports can all call it.

`stats` holds Student's t and the bound on a counted rate, `noise` the pooled noise, `model`
the runs, groups, rules and verdicts, `compute` the checks of what a group spent, `verdict`
the judgement itself (`judge`, `summary`), and `simulate` the resampling that measures the
verdicts' error rates and power on recorded real runs."""

from orgtui.judge.model import FLAGS, VERDICTS, Group, Rules, Run, Verdict
from orgtui.judge.noise import Noise, pooled
from orgtui.judge.stats import t_ppf, t_sf, upper95
from orgtui.judge.verdict import judge, summary

__all__ = [
    "FLAGS",
    "VERDICTS",
    "Group",
    "Noise",
    "Rules",
    "Run",
    "Verdict",
    "judge",
    "pooled",
    "summary",
    "t_ppf",
    "t_sf",
    "upper95",
]
