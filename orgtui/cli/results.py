"""`orgtui results [ORG] [--json | --tsv]`: one row per group with its verdict, read from the
ledger read-only (it works with orgd down). ORG is an org file (whether or not it ever ran
here) or a known org's name.

The table colours the verdicts only on a terminal (stdout a tty and NO_COLOR unset or empty);
piped, it has no escape codes. `--tsv` has autoresearch's results.tsv columns first, `--json`
one object per group: `orgtui.ledger.results` names the columns and keys.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from orgtui.cli.common import BAD_INPUT, CliError, _org_option, org_ledger


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("results", help="the results ledger: one row per group, with its verdict")
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--tsv", action="store_true", help="autoresearch's results.tsv columns first")
    form.add_argument("--json", action="store_true", help="one object per group")
    _org_option(p)
    p.set_defaults(func=cmd_results)


def colored() -> bool:
    """Whether the table's verdicts are coloured: stdout is a terminal and NO_COLOR is unset."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def cmd_results(args: argparse.Namespace) -> int:
    from orgtui.ledger.results import OldLedger, as_json, table, tsv
    from orgtui.ledger.store import Ledger

    cfg, _, path = org_ledger(args)
    metric = cfg.research.metric
    with Ledger(path, readonly=True) as ledger:
        try:
            if args.json:
                text = as_json(ledger, metric)
            elif args.tsv:
                text = tsv(ledger, metric)
            else:
                text = table(ledger, metric, color=colored())
        except OldLedger as e:
            raise CliError(str(e), BAD_INPUT) from None
    sys.stdout.write(text)
    return 0
