"""`orgtui ablate GROUP [--wait] [--json]`: which parts of a win carry its gain.

orgd reverts each part of a `better` group's change (each commit past its reference, and its
uncommitted edits) one at a time, runs each result as a group of fresh seeds and judges it
against the whole change. `--wait` follows until every part's verdict is final, then prints
the table (exit 0): a part whose removal makes it worse carries the gain, one whose removal
changes nothing within the noise is a passenger, one whose removal makes it better hurts, and
one that does not revert cleanly is named with its conflicting paths. `--json` prints one
object: `group`, `reference`, `metric`, `goal`, `done` and `parts` (each `commit`, `subject`,
`code`, `group`, `verdict`, `delta`, `sigma`, `role`, `conflicts`).
"""

from __future__ import annotations

import argparse
from typing import Any

from orgtui.cli.common import _call, _org, _org_option, print_json
from orgtui.protocol.ablations import Ablate, Ablation, AblationWait, words

WAIT_STEP = 2.0
"""Seconds each `ablation_wait` asks for while `--wait` follows the parts."""


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "ablate", help="revert each commit of a better group's change in turn: which carry the gain"
    )
    p.add_argument("group", type=int)
    p.add_argument("--wait", action="store_true",
                   help="wait until every part is judged, then print the table (exit 0)")  # fmt: skip
    p.add_argument("--json", action="store_true")
    _org_option(p)
    p.set_defaults(func=cmd_ablate)


def table(made: Ablation) -> list[str]:
    """The ablation as a person reads it: one line per part."""
    lines = [("PART", "GROUP", "VERDICT", "Δ", "Δ/σ", "ROLE")]
    for p in made.parts:
        label = f"{p.commit[:8]} {p.subject}" if p.commit else p.subject
        ratio = "-" if p.delta is None or not p.sigma else f"{p.delta / p.sigma:+.1f}"
        lines.append((
            label[:48], "-" if p.group is None else str(p.group), p.verdict or "-",
            "-" if p.delta is None else f"{p.delta:+.4g}", ratio, words(p.verdict, p.conflicts),
        ))  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(*lines, strict=True)]
    return ["  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
            for line in lines]  # fmt: skip


def cmd_ablate(args: argparse.Namespace) -> int:
    rt = _org(args)
    made = _call(rt, Ablate(group=args.group), timeout=120)
    head = (f"ablation of group {made.group} ({made.metric}, {made.goal}): each part reverted, "
            "judged against the whole change")  # fmt: skip
    if args.wait:
        if not args.json:
            groups = [str(p.group) for p in made.parts if p.group is not None]
            print(f"{head}: groups {', '.join(groups) or 'none'}", flush=True)
        while not made.done:
            made = _call(rt, AblationWait(group=made.group, timeout_s=WAIT_STEP),
                         timeout=WAIT_STEP + 30)  # fmt: skip
    if args.json:
        print_json(made)
        return 0
    if not args.wait:
        print(head)
    for line in table(made):
        print(line)
    if not made.done:
        print(f"`orgtui ablate {made.group} --wait` follows it to the verdicts")
    return 0
