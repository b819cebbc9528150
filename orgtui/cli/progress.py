"""`orgtui progress [ORG] [--horizon DURATION] [--json]`: how quickly the org made verified
progress, read from the ledger read-only (it works with orgd down). ORG is an org file
(whether or not it ever ran here) or a known org's name.

The horizon is counted from the org's start (its first group). Without `--horizon` it is the
time since the start while the org's orgd runs, else up to the ledger's last event (the
latest end of a job or of a promotion), so that a stopped org's score does not shrink as
time passes. `--json` prints one object with the keys `metric`, `goal`, `start`, `points` and
`score`; `orgtui.judge.progress` defines every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from orgtui.cli.common import BAD_INPUT, CliError, _org_option, horizon_arg, org_ledger
from orgtui.config.durations import readable as duration
from orgtui.config.runtime import org_runtime

if TYPE_CHECKING:
    from orgtui.judge.progress import Progress


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "progress", help="the best verified metric over time, and the org's progress score"
    )
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    p.add_argument(
        "--horizon",
        metavar="DURATION",
        help="count this long from the org's start, like 10m or 2h (default: up to now while "
        "the org runs, else up to its last job's end)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object")
    _org_option(p)
    p.set_defaults(func=cmd_progress)


def cmd_progress(args: argparse.Namespace) -> int:
    from orgtui.judge.progress import score
    from orgtui.ledger.progress import history
    from orgtui.ledger.results import OldLedger
    from orgtui.ledger.store import Ledger

    horizon = horizon_arg(args)
    cfg, file, path = org_ledger(args)
    research = cfg.research
    with Ledger(path, readonly=True) as ledger:
        try:
            past = history(ledger, research.metric, research.goal)
        except OldLedger as e:
            raise CliError(str(e), BAD_INPUT) from None
    running = org_runtime(cfg.org.name, file).daemon_pid() is not None
    if horizon is None and running and past.started_at is not None:
        horizon = max(0.0, time.time() - past.started_at)
    found = score(past, horizon)
    if args.json:
        print(json.dumps(found.to_json(), indent=2))
    else:
        until = ("--horizon" if args.horizon is not None else "now" if running
                 else "the ledger's last event")  # fmt: skip
        sys.stdout.write(table(found, cfg.org.name, until))
    return 0


def _num(value: float | None, spec: str = ".6g") -> str:
    return "-" if value is None else format(value, spec)


def table(found: Progress, org: str, until: str) -> str:
    """The same figures as the JSON, for a person; `until` says where the horizon ends."""
    s = found.score
    unit = found.metric
    lines = [
        f"org {org}: {found.metric} ({found.goal}), {duration(found.horizon)} from its start "
        f"to {until}, {found.device_hours:.3g} device-hours",
        f"start: {_num(found.start_mean)} ± {_num(found.sigma, '.3g')} (the first baseline's "
        "mean ± σ)"
        if found.start_mean is not None
        else "start: no baseline with an ok seed yet",
        "",
    ]
    if found.points:
        rows = [("T", "DEVICE-HOURS", f"BEST {unit.upper()}", "PROMOTION")] + [
            (duration(p.t), f"{p.device_hours:.3g}", _num(p.best), str(p.promotion))
            for p in found.points
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                  for r in rows]  # fmt: skip
    else:
        lines.append("no verified win yet")
    sigmas = f" ({s.improvement_sigma:+.2f} σ)" if s.improvement_sigma is not None else ""
    gain = f"{s.improvement:+.6g} {unit}{sigmas}" if s.improvement is not None else "-"
    shares = ", ".join(f"{k} {v:.0%}" for k, v in s.to_json()["compute_share"].items())
    auc = f"{s.auc:+.6g} {unit} (mean improvement over the horizon)" if s.auc is not None else "-"
    per_win = "-" if s.device_hours_per_win is None else f"{s.device_hours_per_win:.3g}"
    figures = (
        ("improvement", gain),
        ("auc", auc),
        ("time to first win", duration(s.time_to_first_win)),
        ("device-hours per win", per_win),
        ("verified wins", str(s.verified_wins)),
        ("screening wins", str(s.screening_wins)),
        ("false discoveries", str(s.false_discoveries)),
        ("compute share", shares),
    )
    lines += [""] + [f"{name:<21} {value}" for name, value in figures]
    return "\n".join(lines) + "\n"
