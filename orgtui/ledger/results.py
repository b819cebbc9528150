"""The results ledger as a person reads it: one row per group (the seeds of one change) with
the mean of the org's metric over its ok seeds, its reference, how far it moved and the
verdict the ledger gave it; as a table, as TSV, or as JSON.

The table's columns: ID, AGENT, KIND, CHANGE (the group's description), SEEDS (ok / all),
the metric's mean, REF (the reference group), Δ (mean minus the reference's mean), Δ/σ (that
over the noise's sigma), VERDICT, the compute ratios against the reference (FLOPS, TOKENS,
PARAMS, WALL), FLAGS and COMMIT (7 characters). Baselines and `other` groups have no verdict
("-"). With `color`, the verdict is coloured: better green, worse red, within_noise dim,
more_compute yellow, invalid magenta, pending grey.

The TSV has autoresearch's results.tsv columns first: `commit` (7 characters), the metric
(named after the org's metric: its mean), `memory_gb` (the largest peak memory of the
group's jobs), `status` and `description`; then ours (`TSV_OURS`). `status` is the verdict
word; a baseline or `other` group's is its kind, and a group not judged yet is `pending`, or
`invalid` when its seeds failed (as the judge will say).

The JSON is a list with one object per group, in id order, with these keys (stable: tools
parse them):

    id             the group's id
    agent          who submitted it (`@<ritual>` for the org's own groups)
    kind           baseline, experiment, verification or other
    description    the change, as its submitter described it
    commit         the branch commit it was taken on (40 characters)
    seeds          how many jobs (seeds) it has
    ok             how many of them ended ok
    mean           the metric's mean over its ok seeds (the judged mean once judged), or null
    reference      the id of the group it is judged against, or null
    reference_mean the reference's mean, as the verdict read it, or null
    delta          mean minus reference_mean, or null
    sigma          the noise's sigma the verdict used, or null
    delta_sigma    delta / sigma, or null
    verdict        the verdict's word, or null (not judged yet; baselines and `other`)
    status         the TSV's status (above)
    flags          the verdict's flags (e.g. more_params), a list
    compute_ratio  {flops, tokens, wall, params}: this group's over the reference's, or nulls
    memory_gb      the largest peak memory of its jobs in GiB (one decimal), or null
    reason         why the verdict is what it is ('' when not judged)

Numbers that are not finite are null. A ledger made before groups has no `groups` table
until orgd next opens it (`OldLedger`); jobs without a group (orgd files them into groups
when it opens the ledger) are not shown.

Two queries build it all, whatever the number of groups: the groups, and one pass over the
jobs counting and averaging per group (the metric picked out by `json_extract`).
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orgtui.enums import JobKind

if TYPE_CHECKING:
    from orgtui.ledger.store import Ledger

RATIOS = ("flops", "tokens", "params", "wall")
"""The compute ratios, in the order the table and the TSV show them."""
JSON_RATIOS = ("flops", "tokens", "wall", "params")
"""The keys of the JSON's compute_ratio, in the verdict's order."""
TSV_OURS = ("id", "agent", "kind", "seeds", "ok", "reference", "reference_mean", "delta",
            "delta_sigma", "verdict", "flops_ratio", "tokens_ratio", "params_ratio",
            "wall_ratio", "flags", "reason")  # fmt: skip
JUDGED = (JobKind.EXPERIMENT, JobKind.VERIFICATION)
"""The kinds that get a verdict."""
COLORS = {"better": "32", "worse": "31", "within_noise": "2", "more_compute": "33",
          "invalid": "35", "pending": "90"}  # fmt: skip
"""Each verdict's SGR code (green, red, dim, yellow, magenta, grey)."""
CHANGE_WIDTH = 40
"""The table shows this much of a description."""

_GROUPS = (
    'SELECT id, kind, agent, "commit", description, reference, verdict, judgement'
    " FROM groups ORDER BY id"
)
_JOBS = (
    "SELECT group_id, COUNT(*), SUM(state = 'ok'), SUM(state IN ('queued', 'running')),"
    " AVG(CASE WHEN typeof(v) IN ('integer', 'real') THEN v END), MAX(peak_mem_mb), MIN(name)"
    " FROM (SELECT group_id, state, peak_mem_mb, name, CASE WHEN state = 'ok'"
    " AND json_valid(metrics) THEN json_extract(metrics, ?) END AS v FROM jobs"
    " WHERE group_id IS NOT NULL) GROUP BY group_id"
)
"""Per group: jobs, ok ones, waiting ones, the metric's mean over the ok ones, the largest
peak memory, a job's name (for a group with no description)."""


class OldLedger(Exception):
    """The ledger was made before groups, and no orgd has opened it since."""


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Result:
    """One group as the results show it."""

    id: int
    agent: str
    kind: str
    description: str
    commit: str
    seeds: int
    ok: int
    waiting: int
    mean: float | None
    reference: int | None
    reference_mean: float | None
    delta: float | None
    sigma: float | None
    verdict: str | None
    flags: tuple[str, ...]
    compute_ratio: dict[str, float | None] = field(default_factory=dict)
    memory_mb: float | None = None
    reason: str = ""

    @property
    def delta_sigma(self) -> float | None:
        if self.delta is None or not self.sigma or self.sigma <= 0:
            return None
        return self.delta / self.sigma

    @property
    def status(self) -> str:
        """The verdict's word; else pending (seeds waiting, or not judged yet), invalid (its
        seeds failed), or the kind of a group never judged."""
        if self.verdict is not None:
            return self.verdict
        if self.waiting:
            return "pending"
        if self.kind in JUDGED:
            return "invalid" if self.ok < self.seeds else "pending"
        return "invalid" if self.ok == 0 else self.kind

    @property
    def shown_verdict(self) -> str:
        """The table's VERDICT: the status of a judged kind, "-" for the others."""
        return self.status if self.kind in JUDGED else "-"

    @property
    def memory_gb(self) -> float | None:
        return None if self.memory_mb is None else round(self.memory_mb / 1024, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "agent": self.agent, "kind": self.kind,
            "description": self.description, "commit": self.commit, "seeds": self.seeds,
            "ok": self.ok, "mean": self.mean, "reference": self.reference,
            "reference_mean": self.reference_mean, "delta": self.delta, "sigma": self.sigma,
            "delta_sigma": self.delta_sigma, "verdict": self.verdict, "status": self.status,
            "flags": list(self.flags),
            "compute_ratio": {k: self.compute_ratio.get(k) for k in JSON_RATIOS},
            "memory_gb": self.memory_gb, "reason": self.reason,
        }  # fmt: skip


def _judgement(text: str | None) -> dict[str, Any]:
    """The verdict's JSON as stored; {} if it is not an object."""
    try:
        loaded = json.loads(text or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def results(ledger: Ledger, metric: str) -> list[Result]:
    """Every group, in id order."""
    try:
        groups = ledger.db.execute(_GROUPS).fetchall()
        jobs = {row[0]: row[1:] for row in ledger.db.execute(_JOBS, (f'$."{metric}"',))}
    except sqlite3.OperationalError as e:
        if "no such table: groups" in str(e) or "no such column: group_id" in str(e):
            raise OldLedger(
                f"{ledger.path} was made before groups: the next orgd to open it (`orgtui up`) "
                "files its jobs into groups"
            ) from None
        raise
    out = []
    for gid, kind, agent, commit, description, reference, verdict, judgement in groups:
        n, ok, waiting, mean, mem, name = jobs.get(gid, (0, 0, 0, None, None, ""))
        judged = _judgement(judgement) if verdict is not None else {}
        ratios = judged.get("compute_ratio")
        ratios = ratios if isinstance(ratios, dict) else {}
        flags = judged.get("flags")
        judged_mean = _finite(judged.get("mean"))  # the judge's exact mean, once judged
        out.append(Result(
            id=gid, agent=agent, kind=kind, description=description or name or "",
            commit=commit, seeds=n, ok=ok or 0, waiting=waiting or 0,
            mean=_finite(mean) if judged_mean is None else judged_mean,
            reference=reference, reference_mean=_finite(judged.get("reference_mean")),
            delta=_finite(judged.get("delta")), sigma=_finite(judged.get("sigma")),
            verdict=verdict,
            flags=tuple(str(f) for f in flags) if isinstance(flags, list) else (),
            compute_ratio={k: _finite(ratios.get(k)) for k in RATIOS},
            memory_mb=_finite(mem), reason=str(judged.get("reason", "")),
        ))  # fmt: skip
    return out


# -- printing ---------------------------------------------------------------------------


def _num(value: float | int | None, spec: str = ".6g") -> str:
    return "" if value is None else format(value, spec)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines())


def tsv(ledger: Ledger, metric: str) -> str:
    """autoresearch's results.tsv columns, then ours; one line per group."""
    lines = ["\t".join(["commit", metric, "memory_gb", "status", "description", *TSV_OURS])]
    for r in results(ledger, metric):
        ours = [str(r.id), r.agent, r.kind, str(r.seeds), str(r.ok), _num(r.reference),
                _num(r.reference_mean), _num(r.delta), _num(r.delta_sigma, ".3g"),
                r.verdict or "", *(_num(r.compute_ratio.get(k), ".4g") for k in RATIOS),
                ",".join(r.flags), _one_line(r.reason)]  # fmt: skip
        memory = "" if r.memory_gb is None else f"{r.memory_gb:.1f}"
        head = [r.commit[:7], _num(r.mean), memory, r.status, _one_line(r.description)]
        lines.append("\t".join(head + ours))
    return "\n".join(lines) + "\n"


def as_json(ledger: Ledger, metric: str) -> str:
    """The list of groups' objects (the module's docstring names their keys), one a line:
    compact, and written by json's C encoder (which `indent` would turn off)."""
    objects = [json.dumps(r.to_json(), ensure_ascii=False) for r in results(ledger, metric)]
    return "[\n" + ",\n".join(objects) + "\n]\n" if objects else "[]\n"


def _change(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= CHANGE_WIDTH else text[: CHANGE_WIDTH - 1] + "…"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(ledger: Ledger, metric: str, color: bool = False) -> str:
    """The groups as an aligned table; `color`: the verdicts in colour (for a terminal)."""
    head = ("ID", "AGENT", "KIND", "CHANGE", "SEEDS", metric.upper(), "REF", "Δ", "Δ/σ",
            "VERDICT", "FLOPS", "TOKENS", "PARAMS", "WALL", "FLAGS", "COMMIT")  # fmt: skip
    body = [
        (str(r.id), r.agent, r.kind, _change(r.description), f"{r.ok}/{r.seeds}",
         _num(r.mean) or "-", _num(r.reference) or "-", _num(r.delta, "+.4g") or "-",
         _num(r.delta_sigma, "+.2f") or "-", r.shown_verdict,
         *(_ratio(r.compute_ratio.get(k)) for k in RATIOS), ",".join(r.flags) or "-",
         r.commit[:7] or "-")
        for r in results(ledger, metric)
    ]  # fmt: skip
    widths = [max(map(len, col)) for col in zip(head, *body, strict=True)]
    verdict = head.index("VERDICT")
    lines = []
    for line in (head, *body):
        cells = [cell.ljust(w) for cell, w in zip(line, widths, strict=True)]
        code = COLORS.get(line[verdict]) if color and line is not head else None
        if code:
            word = line[verdict]
            cells[verdict] = f"\x1b[{code}m{word}\x1b[0m" + cells[verdict][len(word) :]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
