"""The results ledger as a person reads it: one row per job with its agent, kind, branch,
commit, outcome, the org's metric and the compute it used; as a table or as TSV with
autoresearch's results.tsv columns first (commit, the metric, memory_gb, status,
description), the metric's column named after the org's metric, then ours.

Rows come straight from SQLite as tuples, the metric picked out by `json_extract`: 10,000
jobs print in a few tens of milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgtui.ledger.store import Ledger

TSV_OURS = ("id", "agent", "kind", "branch", "baseline_id", "seed", "device",
            "wall_seconds", "device_seconds", "tokens", "flops", "params")  # fmt: skip
_SQL = (
    "SELECT substr(\"commit\", 1, 7), json_extract(metrics, '$.\"' || ? || '\"'), peak_mem_mb,"
    " state, CASE WHEN description != '' THEN description ELSE name END,"
    " id, agent, kind, branch, baseline_id, seed, device, wall_seconds, device_seconds,"
    " tokens, flops, params FROM jobs ORDER BY id"
)


def _num(value: object, digits: int = 6) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, int):
        return str(value)
    assert isinstance(value, float)
    return f"{value:.3g}" if abs(value) >= 1e5 else f"{value:.{digits}g}"


def _rows(ledger: Ledger, metric: str) -> list[tuple]:
    return ledger.db.execute(_SQL, (metric,)).fetchall()


def tsv(ledger: Ledger, metric: str) -> str:
    lines = ["\t".join(["commit", metric, "memory_gb", "status", "description", *TSV_OURS])]
    for commit, value, mem, state, text, *ours in _rows(ledger, metric):
        memory = "" if mem is None else f"{mem / 1024:.1f}"
        text = text.replace("\t", " ").replace("\n", " ")
        lines.append("\t".join([commit, _num(value), memory, state, text, *map(_num, ours)]))
    return "\n".join(lines) + "\n"


def table(ledger: Ledger, metric: str) -> str:
    head = ("ID", "AGENT", "KIND", "BRANCH", "COMMIT", "OUTCOME", metric.upper(),
            "WALL", "DEVICE-S", "TOKENS", "PARAMS", "MEM MB", "DEVICE")  # fmt: skip
    body = [
        (str(job), agent, kind, branch, commit, state, _num(value), _num(wall, 4),
         _num(dev_s, 4), _num(tokens), _num(params), _num(mem, 5), device)
        for (commit, value, mem, state, _text, job, agent, kind, branch, _base, _seed, device,
             wall, dev_s, tokens, _flops, params) in _rows(ledger, metric)
    ]  # fmt: skip
    widths = [max(map(len, col)) for col in zip(head, *body, strict=True)]
    pattern = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(pattern.format(*line).rstrip() for line in (head, *body)) + "\n"
