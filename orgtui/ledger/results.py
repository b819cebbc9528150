"""The results ledger as a person reads it: one row per job with its agent, kind, branch,
commit, outcome, the org's metric and the compute it used; as a table or as TSV with
autoresearch's results.tsv columns first (commit, the metric, memory_gb, status,
description), the metric's column named after the org's metric, then ours."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

TSV_OURS = ("id", "agent", "kind", "branch", "baseline_id", "seed", "device",
            "wall_seconds", "device_seconds", "tokens", "flops", "params")  # fmt: skip


def _metric(row: sqlite3.Row, metric: str) -> float | None:
    value = json.loads(row["metrics"] or "{}").get(metric)
    return value if isinstance(value, int | float) else None


def _num(value: float | None, digits: int = 6) -> str:
    if value is None:
        return ""
    if abs(value) >= 1e5:
        return f"{value:.3g}"
    return f"{value:.{digits}g}"


def tsv(rows: Sequence[sqlite3.Row], metric: str) -> str:
    head = ["commit", metric, "memory_gb", "status", "description", *TSV_OURS]
    lines = ["\t".join(head)]
    for r in rows:
        mem = r["peak_mem_mb"]
        values = [
            (r["commit"] or "")[:7],
            _num(_metric(r, metric)),
            "" if mem is None else f"{mem / 1024:.1f}",
            r["state"],
            (r["description"] or r["name"]).replace("\t", " ").replace("\n", " "),
            *("" if r[k] is None else (_num(r[k]) if isinstance(r[k], float) else str(r[k]))
              for k in TSV_OURS),
        ]  # fmt: skip
        lines.append("\t".join(values))
    return "\n".join(lines) + "\n"


def table(rows: Sequence[sqlite3.Row], metric: str) -> str:
    head = ("ID", "AGENT", "KIND", "BRANCH", "COMMIT", "OUTCOME", metric.upper(),
            "WALL", "DEVICE-S", "TOKENS", "PARAMS", "MEM MB", "DEVICE")  # fmt: skip
    body = []
    for r in rows:
        body.append((
            str(r["id"]), r["agent"], r["kind"], r["branch"], (r["commit"] or "")[:7], r["state"],
            _num(_metric(r, metric)), _num(r["wall_seconds"], 4), _num(r["device_seconds"], 4),
            _num(r["tokens"]), _num(r["params"]), _num(r["peak_mem_mb"], 5), r["device"],
        ))  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    out = ["  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
           for line in (head, *body)]  # fmt: skip
    return "\n".join(out) + "\n"
