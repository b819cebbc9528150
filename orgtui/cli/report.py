"""`orgtui report [ORG] --out DIR [--horizon DURATION]`: `DIR/report.md` and its PNG plots,
from the org's ledger read-only (it works with orgd down). ORG is an org file (whether or not
it ever ran here) or a known org's name. The horizon of the score is `orgtui progress`'s:
`--horizon`, else up to now while the org runs, else up to the ledger's last event."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from orgtui.cli.common import BAD_INPUT, CliError, _org_option, horizon_arg, org_ledger
from orgtui.config.runtime import org_runtime


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="write DIR/report.md and its plots: progress, agents, verdicts"
    )
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    p.add_argument(
        "--horizon",
        metavar="DURATION",
        help="count the score this long from the org's start, like 10m (default: up to now "
        "while the org runs, else up to its last job's end)",
    )
    _org_option(p)
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from orgtui.ledger.progress import history
    from orgtui.ledger.results import OldLedger
    from orgtui.ledger.store import Ledger
    from orgtui.report.data import gather
    from orgtui.report.markdown import write_report

    horizon = horizon_arg(args)
    cfg, file, path = org_ledger(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out}: not a folder", BAD_INPUT)
    metric, goal = cfg.research.metric, cfg.research.goal
    running = org_runtime(cfg.org.name, file).daemon_pid() is not None
    until = "--horizon" if horizon is not None else "now" if running else "its last event"
    with Ledger(path, readonly=True) as ledger:
        try:
            if horizon is None and running:
                started = history(ledger, metric, goal).started_at
                horizon = None if started is None else max(0.0, time.time() - started)
            names = [a.name for a in cfg.agents]
            report = gather(ledger, cfg.org.name, metric, goal, horizon, names)
        except OldLedger as e:
            raise CliError(str(e), BAD_INPUT) from None
    try:
        written = write_report(report, out, until)
    except OSError as e:
        raise CliError(
            f"cannot write the report into {out}: {e.strerror or e}", BAD_INPUT
        ) from None
    print(f"wrote {written} ({len(report.groups)} groups, {len(report.promotions)} promotions)")
    return 0
