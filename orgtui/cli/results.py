"""`orgtui results`: the results ledger, read read-only (it works with orgd down)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from orgtui.cli.common import BAD_INPUT, CliError, _org_option
from orgtui.config.runtime import resolve


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("results", help="the results ledger")
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    p.add_argument("--tsv", action="store_true", help="autoresearch's results.tsv columns first")
    _org_option(p)
    p.set_defaults(func=cmd_results)


def cmd_results(args: argparse.Namespace) -> int:
    from orgtui.config import load_org
    from orgtui.ledger.results import table, tsv
    from orgtui.ledger.store import Ledger

    where = args.org or args.org_arg
    if where and Path(where).is_file():  # an org file: whether or not it ever ran here
        cfg = load_org(Path(where))
    else:
        cfg = load_org(resolve(where, running_only=False).file)
    path = cfg.org.workdir / "ledger.sqlite"
    if not path.exists():
        raise CliError(f"org {cfg.org.name} has no results yet (no {path})", BAD_INPUT)
    metric = cfg.research.metric
    with Ledger(path, readonly=True) as ledger:
        sys.stdout.write(tsv(ledger, metric) if args.tsv else table(ledger, metric))
    return 0
