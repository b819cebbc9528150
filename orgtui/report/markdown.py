"""`report.md`: the report as plain Markdown (tables and relative image links), so that it
reads the same on GitHub, in an editor and in a terminal. `write_report` writes it and its
plots into a folder.

Its sections: the progress plot and the figures of the score (`orgtui progress`'s, defined in
`orgtui.judge.progress`), the verified progress points and the promotions; the agents'
outcomes (a plot and a table); the verdict table (`orgtui results`'s columns); the ablations
(when there are any).
"""

from __future__ import annotations

import time
from pathlib import Path

from orgtui.config.durations import readable as duration
from orgtui.ledger.results import RATIOS
from orgtui.report.data import VERDICTS, Report
from orgtui.report.fmt import cell, md_table, num
from orgtui.report.plots import agents_plot, progress_plot

PROGRESS_PNG = "progress.png"
AGENTS_PNG = "agents.png"
CHANGE_WIDTH = 80
"""The verdict table shows this much of a change's description."""


def figures(report: Report) -> list[tuple[str, str]]:
    """The score's figures, named and formatted, in `orgtui progress`'s order."""
    p, unit = report.progress, report.metric
    s = p.score
    start = (f"{num(p.start_mean)} ± {num(p.sigma, '.3g')} (mean ± σ)"
             if p.start_mean is not None else "no baseline with an ok seed yet")  # fmt: skip
    sigmas = f" ({s.improvement_sigma:+.2f} σ)" if s.improvement_sigma is not None else ""
    gain = f"{s.improvement:+.6g} {unit}{sigmas}" if s.improvement is not None else "-"
    auc = f"{s.auc:+.6g} {unit}" if s.auc is not None else "-"
    shares = ", ".join(f"{k} {v:.0%}" for k, v in s.to_json()["compute_share"].items())
    return [
        ("starting baseline", start),
        ("improvement", gain),
        ("auc (mean improvement over the horizon)", auc),
        ("time to first win", duration(s.time_to_first_win)),
        ("device-hours per win", num(s.device_hours_per_win, ".3g")),
        ("verified wins", str(s.verified_wins)),
        ("screening wins", str(s.screening_wins)),
        ("false discoveries", str(s.false_discoveries)),
        ("compute share", shares),
    ]


def _progress(report: Report) -> list[str]:
    p = report.progress
    lines = ["## Progress", "", f"![progress of org {report.org}]({PROGRESS_PNG})", "",
             "The best promoted value over time (black) from the starting baseline's mean "
             "(the band is ± σ), every experiment group's mean when its last seed ended, "
             "coloured by its verdict, and the promotions (a star: promoted; a cross: the "
             "verification did not confirm).", ""]  # fmt: skip
    lines += [md_table(["figure", "value"], figures(report))]
    if p.points:
        rows = [(duration(pt.t), f"{pt.device_hours:.3g}", num(pt.best), pt.promotion)
                for pt in p.points]  # fmt: skip
        lines += [
            "### Verified progress",
            "",
            md_table(["t", "device-hours", f"best {report.metric}", "promotion"], rows),
        ]
    if report.promotions:
        owner = {g.id: g for g in report.groups}
        promoted: list[tuple[object, ...]] = []
        for pr in report.promotions:
            screening = owner.get(pr.screening)
            who = f"{screening.agent}: {screening.description}" if screening else ""
            promoted.append((pr.id, pr.screening, who, pr.state, num(pr.value), pr.asked_by,
                             pr.merge[:8] or "-", pr.reason or "-"))  # fmt: skip
        lines += ["### Promotions", "",
                  md_table(["id", "group", "change", "state", "value", "asked by", "merge",
                            "reason"], promoted)]  # fmt: skip
    return lines


def _agents(report: Report) -> list[str]:
    lines = ["## Agents", "", f"![outcomes by agent]({AGENTS_PNG})", ""]
    if not report.agents:
        return lines + ["No groups yet.", ""]
    head = ["agent", "groups", *(v.replace("_", " ") for v in VERDICTS), "verified wins",
            "false discoveries", "device-hours"]  # fmt: skip
    rows = [(a.agent, a.groups, *(a.verdicts.get(v, 0) for v in VERDICTS), a.verified_wins,
             a.false_discoveries, f"{a.device_hours:.3g}") for a in report.agents]  # fmt: skip
    note = ("`groups` counts experiment groups and the verdict columns split them; "
            "device-hours count every job of the agent's groups, the verification of its "
            "changes included. Names starting with `@` are the org's own groups "
            "(baselines, a promotion's fresh reference).")  # fmt: skip
    return lines + [md_table(head, rows, right=1), note, ""]


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _verdicts(report: Report) -> list[str]:
    lines = ["## Verdicts", ""]
    if not report.groups:
        return lines + ["No groups yet.", ""]
    head = ["id", "agent", "kind", "change", "seeds", report.metric, "ref", "Δ", "Δ/σ",
            "verdict", *RATIOS, "flags", "commit"]  # fmt: skip
    rows = []
    for g in report.groups:
        change = g.description
        if len(change) > CHANGE_WIDTH:
            change = change[: CHANGE_WIDTH - 1] + "…"
        verdict = g.shown_verdict
        rows.append((g.id, g.agent, g.kind, change, f"{g.ok}/{g.seeds}", num(g.mean),
                     num(g.reference), num(g.delta, "+.4g"), num(g.delta_sigma, "+.2f"),
                     f"**{verdict}**" if verdict == "better" else verdict,
                     *(_ratio(g.compute_ratio.get(k)) for k in RATIOS),
                     ",".join(g.flags) or "-",
                     f"`{g.commit[:7]}`" if g.commit else "-"))  # fmt: skip
    return lines + [md_table(head, rows), "One row per group, as `orgtui results` shows "
                    "them; the compute ratios are against the reference.", ""]  # fmt: skip


def _ablations(report: Report) -> list[str]:
    """One table per ablated group (`orgtui ablate`): each part, its leave-one-out group's
    verdict against the whole change, and its role. Left out when nothing was ablated."""
    if not report.ablations:
        return []
    lines = ["## Ablations", "",
             "Each part of a change reverted in turn and judged against the whole change: a "
             "part whose removal makes it worse carries the gain; within noise, it is a "
             "passenger.", ""]  # fmt: skip
    by_id = {g.id: g for g in report.groups}
    for gid, parts in report.ablations.items():
        whole = by_id.get(gid)
        what = f" ({cell(f'{whole.agent}: {whole.description}')})" if whole else ""
        rows = [(f"`{p.row.part[:8]}`" if p.row.part else "-", p.row.subject,
                 num(p.row.group), p.verdict or "-", num(p.delta, "+.4g"),
                 num(p.delta_sigma, "+.2f"), p.role) for p in parts]  # fmt: skip
        lines += [
            f"### Group {gid}{what}",
            "",
            md_table(["part", "subject", "group", "verdict", "Δ", "Δ/σ", "role"], rows),
        ]
    return lines


def markdown(report: Report, until: str, now: float | None = None) -> str:
    """The text of `report.md`; `until` says where the score's horizon ends."""
    p = report.progress
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() if now is None else now))
    goal = "lower is better" if report.goal == "minimize" else "higher is better"
    started = "-"
    if report.started_at is not None:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(report.started_at))
    head = [f"# Report: org {cell(report.org)}", "",
            f"`{report.metric}` ({goal}); written {when} from `{report.ledger}`. The org "
            f"started {started}; the score counts {duration(p.horizon)} from its start to "
            f"{until}, {p.device_hours:.3g} device-hours.", ""]  # fmt: skip
    parts = head + _progress(report) + _agents(report) + _verdicts(report) + _ablations(report)
    return "\n".join(parts).rstrip("\n") + "\n"


def write_report(report: Report, out: Path, until: str) -> Path:
    """`out`/report.md and its plots beside it (the folder made if missing); report.md's path."""
    out.mkdir(parents=True, exist_ok=True)
    progress_plot(report, out / PROGRESS_PNG)
    agents_plot(report, out / AGENTS_PNG)
    path = out / "report.md"
    tmp = path.with_name(".report.md.tmp")
    tmp.write_text(markdown(report, until))
    tmp.replace(path)
    return path
