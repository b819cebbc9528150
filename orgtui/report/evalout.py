"""What `orgtui eval` reports: one JSON document, a table for the terminal, and in the output
folder `eval.json` (the same document), `eval.md` (the tables, reading well on GitHub and
offline) and `curves.png` (every run's curve, `plots.curves_plot`).

The JSON: `minutes`, `repeats`, `interrupted` and `orgs`, one per org file in the order
given, each `{"file", "org", "commit", "runs", "auc"}`: `runs` holds each run's score with
`orgtui progress --json`'s `score` keys, plus `completed` (bool), `reason` (why it was cut
short or not run, else null) and the run's own keys (`repeat`, `org`, `dir`, `seconds`,
`start`, `points`, `note`); `auc` is `{"mean", "ci", "runs"}` over the completed runs that
have an auc (`runs` counts them; a run cut short is never averaged in): `ci` is always two
numbers, `[auc, auc]` for one run, `[null, null]` only when no run counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orgtui.config.durations import readable as duration
from orgtui.judge.repeats import mean, summarize
from orgtui.report.evalrun import OrgRuns, Run
from orgtui.report.fmt import md_table, num
from orgtui.report.plots import Curve, curves_plot

CURVES_PNG = "curves.png"


def _aucs(org: OrgRuns) -> list[float | None]:
    return [r.progress.score.auc if r.completed and r.progress else None for r in org.runs]


def _counted(org: OrgRuns) -> list[Run]:
    return [r for r in org.runs if r.completed and r.progress is not None]


def document(orgs: list[OrgRuns], minutes: float, repeats: int,
             interrupted: bool) -> dict[str, Any]:  # fmt: skip
    """The JSON document (the module's docstring has its keys)."""
    out = []
    for org in orgs:
        auc = summarize(_aucs(org))
        out.append({
            "file": str(org.file), "org": org.cfg.org.name, "commit": org.commit,
            "runs": [r.to_json() for r in org.runs],
            "auc": {"mean": auc.mean, "ci": [auc.low, auc.high], "runs": auc.n},
        })  # fmt: skip
    return {"minutes": minutes, "repeats": repeats, "interrupted": interrupted, "orgs": out}


def _rows(orgs: list[OrgRuns]) -> tuple[list[str], list[list[str]]]:
    head = ["org", "file", "runs", "auc (95% CI)", "improvement", "verified wins",
            "screening wins", "false discoveries", "time to first win"]  # fmt: skip
    rows = []
    for org in orgs:
        auc = summarize(_aucs(org))
        scores = [r.progress.score for r in _counted(org) if r.progress]
        ci = (
            f" [{auc.low:+.4g}, {auc.high:+.4g}]"
            if auc.low is not None and auc.high is not None
            else ""
        )
        rows.append([
            org.label, str(org.file), f"{auc.n}/{len(org.runs)}",
            num(auc.mean, "+.4g") + ci,
            num(mean([s.improvement for s in scores]), "+.4g"),
            num(mean([s.verified_wins for s in scores]), ".3g"),
            num(mean([s.screening_wins for s in scores]), ".3g"),
            num(mean([s.false_discoveries for s in scores]), ".3g"),
            duration(mean([s.time_to_first_win for s in scores])),
        ])  # fmt: skip
    return head, rows


def _cut_short(orgs: list[OrgRuns]) -> list[str]:
    return [f"{org.label} run {r.repeat}: {r.reason}" for org in orgs for r in org.runs
            if not r.completed]  # fmt: skip


def table(orgs: list[OrgRuns], minutes: float) -> str:
    """The terminal's table: one line per org (the means over its counted runs), then the
    runs that were cut short."""
    head, rows = _rows(orgs)
    cells = [[h.upper() for h in head], *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]  # fmt: skip
    metric = orgs[0].cfg.research.metric if orgs else ""
    lines += ["", f"auc: the mean improvement in {metric} over {duration(minutes * 60)} from "
              "each run's start; means over the completed runs"]  # fmt: skip
    lines += [f"cut short: {line}" for line in _cut_short(orgs)]
    lines += [f"note: {org.label} run {r.repeat}: {r.note}" for org in orgs for r in org.runs
              if r.note]  # fmt: skip
    return "\n".join(lines) + "\n"


def markdown(orgs: list[OrgRuns], minutes: float, interrupted: bool) -> str:
    """The text of `eval.md`."""
    head, rows = _rows(orgs)
    metric = orgs[0].cfg.research.metric if orgs else ""
    text = ["# Org against org", "",
            f"Each org ran for {duration(minutes * 60)} from the same program head, in a "
            "throwaway clone; its score is `orgtui progress`'s over that horizon. `auc` is "
            f"the mean improvement of the best promoted {metric} over the horizon, averaged "
            "over the completed runs with a 95% bootstrap interval.", "",
            md_table(head, rows), f"![every run's curve]({CURVES_PNG})", ""]  # fmt: skip
    run_rows = []
    for org in orgs:
        for r in org.runs:
            s = r.progress.score if r.progress else None
            run_rows.append([
                org.label, r.repeat, "yes" if r.completed else "no",
                num(s.auc if s else None, "+.4g"), num(s.improvement if s else None, "+.4g"),
                s.verified_wins if s else 0, s.screening_wins if s else 0,
                s.false_discoveries if s else 0, duration(r.seconds),
                r.reason or r.note or "-", f"`{r.folder}`",
            ])  # fmt: skip
    text += ["## Runs", "",
             md_table(["org", "run", "completed", "auc", "improvement", "verified wins",
                       "screening wins", "false discoveries", "ran", "why not / note",
                       "folder"], run_rows)]  # fmt: skip
    if interrupted:
        text += ["Eval was interrupted (Ctrl-C): the runs after it were not made.", ""]
    return "\n".join(text).rstrip("\n") + "\n"


def curves(orgs: list[OrgRuns], minutes: float, path: Path) -> None:
    """Every run's curve in one plot."""
    drawn = []
    for org in orgs:
        for r in org.runs:
            if r.progress is not None:
                p = r.progress
                drawn.append(Curve(org.label, p.points, p.start_mean, p.goal,
                                   minutes * 60.0, r.completed))  # fmt: skip
    metric = orgs[0].cfg.research.metric if orgs else ""
    curves_plot(drawn, metric, path)
