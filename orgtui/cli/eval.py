"""`orgtui eval ORGFILE... --minutes M [--repeats R] --out DIR [--json]`: org against org.
Each org runs R times for M minutes, one run after another, each a real `orgtui up` and
`orgtui down` of a copy of the org on a throwaway clone of its repo under DIR, from the
program head eval found (`orgtui.report.orgcopy`, `orgtui.report.evalrun`); then each org's
score, the mean of its auc over its completed runs with a bootstrap confidence interval, a
table, and `DIR/curves.png`, `DIR/eval.md` and `DIR/eval.json` (`orgtui.report.evalout`
names the keys). With `--json`, stdout is that one JSON document; what happens meanwhile is
told on stderr.

Exit status: 0 every run completed; 1 a run was cut short (its `up` failed, its orgd
stopped) or its `down` failed (something of it would not die: its `down.log` names it); 130 interrupted (Ctrl-C: the current run is stopped and marked, the rest are not
run, and what was done is reported); 2 bad input (an org file, a DIR that is not empty).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from pathlib import Path
from typing import Any

from orgtui.cli.common import FAILED, CliError


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "eval", help="run each org R times for M minutes in a throwaway copy, compare scores"
    )
    p.add_argument("orgfiles", nargs="+", metavar="ORGFILE")
    p.add_argument("--minutes", type=float, required=True, metavar="M",
                   help="how long each run lasts (the score's horizon)")  # fmt: skip
    p.add_argument("--repeats", type=int, default=1, metavar="R",
                   help="runs of each org (default 1)")  # fmt: skip
    p.add_argument("--out", required=True, metavar="DIR",
                   help="a new or empty folder: the runs, their ledgers, the results")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_eval)


def _say(text: str) -> None:
    print(f"eval: {text}", file=sys.stderr, flush=True)


def cmd_eval(args: argparse.Namespace) -> int:
    from orgtui.config import load_org
    from orgtui.config.runtime import running_orgs
    from orgtui.report.evalout import CURVES_PNG, curves, document, markdown, table
    from orgtui.report.evalrun import evaluate, prepare
    from orgtui.report.orgcopy import EvalError

    # Ctrl-C, and a TERM, stop it cleanly (the run in progress brought down, the results so far
    # written) even when it was started with SIGINT ignored, as a background shell's `&` does.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not math.isfinite(args.minutes) or args.minutes <= 0:
        raise CliError(f"--minutes {args.minutes:g}: must be a positive number")
    if args.repeats < 1:
        raise CliError(f"--repeats {args.repeats}: must be at least 1")
    out = Path(args.out).absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CliError(f"--out {out}: give a new or empty folder (eval keeps every run there)")
    files = [Path(f).absolute() for f in args.orgfiles]
    cfgs = [load_org(f) for f in files]
    goals = {(c.research.metric, c.research.goal) for c in cfgs}
    if len(goals) > 1:
        _say("note: these orgs do not share one metric and goal, so their scores do not "
             "compare: " + ", ".join(f"{m} ({g})" for m, g in sorted(goals)))  # fmt: skip
    busy = running_orgs()
    if busy:
        _say("note: these orgs are running and share this machine's devices with eval's "
             "runs: " + ", ".join(rt.name for rt in busy))  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    try:
        orgs = prepare(files, cfgs, out)
    except EvalError as e:
        raise CliError(str(e)) from None
    for org in orgs:
        _say(f"{org.file}: every run starts from {org.commit[:12]} ({org.cfg.org.program}"
             f"{'' if org.source.made else ' of ' + str(org.cfg.org.repo)})")  # fmt: skip

    interrupted = False

    def save() -> None:
        doc = document(orgs, args.minutes, args.repeats, interrupted)
        (out / "eval.json").write_text(json.dumps(doc, indent=2) + "\n")
        curves(orgs, args.minutes, out / CURVES_PNG)
        (out / "eval.md").write_text(markdown(orgs, args.minutes, interrupted))

    interrupted = evaluate(orgs, args.minutes, args.repeats, _say, save)
    save()
    if args.json:
        print(json.dumps(document(orgs, args.minutes, args.repeats, interrupted), indent=2))
    else:
        sys.stdout.write(table(orgs, args.minutes))
        print(f"\nwrote {out / 'eval.md'}, {out / CURVES_PNG} and {out / 'eval.json'}")
    if interrupted:
        return 130
    runs = [r for o in orgs for r in o.runs]
    return FAILED if any(not r.completed or r.note for r in runs) else 0
