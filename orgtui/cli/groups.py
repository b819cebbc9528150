"""`orgtui group ...`, `orgtui promote` and `orgtui baseline`: the seeds of one change, how
the ledger judged them, and promoting a win onto the program branch.

`group ls` lists groups with their verdicts, `group show G` one group (its verdict's numbers
and its jobs), `group wait G` waits until its verdict is final and prints it (exit 0 then,
whatever the verdict). `baseline` is how a person asks orgd for a baseline of the program
head now; agents never make baselines.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from orgtui.cli import ablate
from orgtui.cli.common import BAD_INPUT, FAILED, CliError, _call, _org, _org_option, print_json
from orgtui.config.runtime import OrgRuntime
from orgtui.enums import JobKind
from orgtui.judge.verdict import Verdict as Judged
from orgtui.judge.verdict import summary
from orgtui.protocol.codec import encode
from orgtui.protocol.groups import (
    Baseline,
    Group,
    GroupDetail,
    GroupList,
    GroupShow,
    GroupWait,
    span,
)
from orgtui.protocol.promotions import Promote, PromotionWait

WAIT_STEP = 2.0
"""Seconds each `group_wait` asks for while `group wait` follows a group."""
JUDGED = (JobKind.EXPERIMENT, JobKind.VERIFICATION)


def add_parsers(sub: Any) -> None:
    group = sub.add_parser("group", help="groups of seeds and their verdicts")
    gsub = group.add_subparsers(dest="group_command", metavar="GROUP_COMMAND")
    p = gsub.add_parser("ls", help="list groups with their verdicts")
    p.add_argument("--agent")
    p.add_argument("--json", action="store_true")
    _org_option(p)
    p.set_defaults(func=cmd_ls)
    p = gsub.add_parser("show", help="one group: its verdict and its jobs")
    p.add_argument("group", type=int)
    p.add_argument("--json", action="store_true")
    _org_option(p)
    p.set_defaults(func=cmd_show)
    p = gsub.add_parser("wait", help="wait for a group's verdict and print it (exit 0 then)")
    p.add_argument("group", type=int)
    _org_option(p)
    p.set_defaults(func=cmd_wait)
    group.set_defaults(func=lambda args: _usage(group))

    p = sub.add_parser(
        "promote", help="verify a better group with fresh seeds; merge it if confirmed"
    )
    p.add_argument("group", type=int)
    p.add_argument("--wait", action="store_true",
                   help="wait for the verification: exit 0 if promoted, 1 if not confirmed")  # fmt: skip
    p.add_argument("--json", action="store_true")
    _org_option(p)
    p.set_defaults(func=cmd_promote)

    p = sub.add_parser("baseline", help="(a person) queue a baseline of the program head now")
    p.add_argument("--seeds", type=int, help="how many (default: the org's research.seeds)")
    p.add_argument("--time", help="time budget (default: the org's time_budget)")
    p.add_argument("--flops", type=float, help="FLOPs budget (default: the org's flops_budget)")
    p.add_argument("--json", action="store_true")
    _org_option(p)
    p.set_defaults(func=cmd_baseline)
    ablate.add_parsers(sub)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return BAD_INPUT


def verdict_line(group: Group) -> str:
    """`group 5 (jobs 12-14): within noise, val_bpb 2.6934 vs 2.6992 ± 0.009, 0.99x FLOPs`."""
    head = f"group {group.id} (job{'s' if len(group.jobs) != 1 else ''} {span(group.jobs)})"
    if group.verdict is None:
        return f"{head}: {group.kind}, {group.state}"
    return f"{head}: {summary(Judged.from_json(encode(group.verdict)))}"


def final(group: Group) -> bool:
    if group.kind in JUDGED:
        return group.verdict is not None and group.verdict.verdict != "pending"
    return group.state == "ended"


# -- commands ---------------------------------------------------------------------------


def cmd_ls(args: argparse.Namespace) -> int:
    rt = _org(args)
    groups: list[Group] = []
    while True:
        page = _call(rt, GroupList(agent=args.agent, after=groups[-1].id if groups else 0),
                     timeout=60)  # fmt: skip
        groups += page.groups
        if not page.more:
            break
    if args.json:
        print_json(groups)
        return 0
    lines = [("ID", "AGENT", "KIND", "SEEDS", "STATE", "REF", "VERDICT", "MEAN", "DELTA",
              "DESCRIPTION")]  # fmt: skip
    for g in groups:
        v = g.verdict
        lines.append((
            str(g.id), g.agent, g.kind, str(len(g.jobs)), g.state,
            "-" if g.reference is None else str(g.reference), v.verdict if v else "-",
            "-" if v is None or v.mean is None else f"{v.mean:.6g}",
            "-" if v is None or v.delta is None else f"{v.delta:+.4g}", g.description[:50],
        ))  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(*lines, strict=True)]
    for line in lines:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    group = _call(_org(args), GroupShow(group=args.group))
    if args.json:
        print_json(group)
        return 0
    show(group)
    return 0


def show(group: GroupDetail) -> None:
    budget = f"{group.budget.time:g}s" + (
        f", {group.budget.flops:g} FLOPs" if group.budget.flops is not None else ""
    )
    rows: tuple[tuple[str, object], ...] = (
        ("group", group.id), ("kind", group.kind), ("agent", group.agent),
        ("commit", group.commit[:12] + ("" if group.clean else " (with uncommitted edits)")),
        ("description", group.description), ("budget", budget), ("state", group.state),
        ("reference", "-" if group.reference is None else group.reference),
    )  # fmt: skip
    for key, value in rows:
        print(f"{key:13} {value}")
    v = group.verdict
    if v is not None:
        print(f"{'verdict':13} {v.verdict}")
        numbers: tuple[tuple[str, object], ...] = (
            ("mean", v.mean), ("reference", v.reference_mean), ("delta", v.delta),
            ("ci", None if v.ci is None else f"[{v.ci[0]:.6g}, {v.ci[1]:.6g}]"),
            ("sigma", v.sigma), ("df", v.df), ("comparison", v.comparisons or None),
        )  # fmt: skip
        for key, value in numbers:
            if value is not None:
                print(f"  {key:11} {value:.6g}" if isinstance(value, float) else
                      f"  {key:11} {value}")  # fmt: skip
        ratios = ", ".join(f"{k} {r:.3g}x" for k, r in encode(v.compute_ratio).items()
                           if r is not None)  # fmt: skip
        print(f"  {'compute':11} {ratios or '-'}")
        print(f"  {'flags':11} {', '.join(v.flags) or '-'}")
        print(f"  {'reason':11} {v.reason}")
    print("jobs:")
    for run in group.runs:
        got = run.metrics.get(v.metric) if v is not None else None
        shown = "" if got is None or v is None else f"  {v.metric} {got:.6g}"
        print(f"  {run.id:>6}  seed {run.seed}  {run.state}{shown}"
              + (f"  ({run.reason})" if run.reason and run.state != "ok" else ""))  # fmt: skip


def wait_group(rt: OrgRuntime, gid: int, quiet_jobs: bool = False) -> int:
    """Follow a group until its verdict is final: each job's end as it comes (unless
    `quiet_jobs`), then the verdict, last. 0 then."""
    said: set[int] = set()
    while True:
        group = _call(rt, GroupWait(group=gid, timeout_s=WAIT_STEP), timeout=WAIT_STEP + 30)
        for run in group.runs:
            if run.state.ended and run.id not in said:
                said.add(run.id)
                if not quiet_jobs:
                    metrics = "  ".join(f"{k}={v:g}" for k, v in sorted(run.metrics.items()))
                    print(f"job {run.id} (seed {run.seed}): {run.state}"
                          + (f" ({run.reason})" if run.state != "ok" else "")
                          + (f"  {metrics}" if metrics else ""), flush=True)  # fmt: skip
        if final(group):
            print(verdict_line(group), flush=True)
            return 0
        time.sleep(0.05)


def cmd_wait(args: argparse.Namespace) -> int:
    return wait_group(_org(args), args.group)


def cmd_baseline(args: argparse.Namespace) -> int:
    if os.environ.get("ORGTUI_AGENT"):
        raise CliError(
            f"orgtui baseline is for a person, and this is agent {os.environ['ORGTUI_AGENT']}'s "
            "pane: only orgd makes baselines, and your experiments are judged against them by "
            "themselves (`orgtui job submit --seeds 3`)", BAD_INPUT,
        )  # fmt: skip
    if args.seeds is not None and args.seeds < 1:
        raise CliError(f"--seeds {args.seeds}: at least 1", BAD_INPUT)
    rt = _org(args)
    made = _call(rt, Baseline(seeds=args.seeds, time=args.time, flops=args.flops), timeout=60)
    if args.json:
        print_json({"group": made.group, "jobs": [j.id for j in made.jobs]})
    else:
        print(made.group)
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    rt = _org(args)
    made = _call(rt, Promote(group=args.group), timeout=120)
    if not args.wait:
        if args.json:
            print_json(made)
        else:
            print(f"promotion {made.id}: verifying group {made.screening} with fresh seeds "
                  f"(group {made.verification}) beside the program head's (group "
                  f"{made.reference}); `orgtui promote {made.screening} --wait` follows it")  # fmt: skip
        return 0
    if not args.json:
        print(f"promotion {made.id}: verifying group {made.screening} (group {made.verification} "
              f"against group {made.reference})", flush=True)  # fmt: skip
    while True:
        row = _call(rt, PromotionWait(promotion=made.id, timeout_s=WAIT_STEP),
                    timeout=WAIT_STEP + 30)  # fmt: skip
        if row.state != "verifying":
            break
    if args.json:
        print_json(row)
    else:
        print(f"promotion {row.id}: {row.state}: {row.reason}")
    if row.state == "promoted":
        return 0
    return FAILED if row.state == "rejected" else BAD_INPUT
