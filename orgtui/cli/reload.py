"""`orgtui reload [ORG] [--dry-run]`: apply the saved org file now, or print the plan."""

from __future__ import annotations

import argparse
from typing import Any

from orgtui.cli.common import _call, _org, _org_option, print_json
from orgtui.protocol.org import Reload


def add_parser(sub: Any) -> None:
    p = sub.add_parser("reload", help="apply the saved org file now (orgd also does on every save)")
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    _org_option(p)
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reload)


def cmd_reload(args: argparse.Namespace) -> int:
    rt = _org(args)
    result = _call(rt, Reload(dry_run=args.dry_run), timeout=120)
    if args.json:
        print_json(result)
        return 0
    print("plan (not applied: --dry-run):" if args.dry_run else "applied:")
    for line in result.lines:
        print(f"  {line}")
    return 0
