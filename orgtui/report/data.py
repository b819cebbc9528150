"""What a report shows, gathered from one org's ledger (read-only): the progress score
(`judge.progress`), every group as `orgtui results` shows it, each screening result's end,
the promotions, and the outcomes by agent.

- A screening result is an experiment group with a mean of the org's metric whose seeds have
  all ended: drawn at (its last seed's end, its mean), coloured by its verdict.
- A promotion is marked where it ended, at its verification's mean: the value it promoted, or
  the value that did not confirm the screening win.
- An agent's outcomes: `groups` (its experiment groups), `verdicts` (how many of those got
  each verdict, `pending` while one is not final), `verified_wins` (its screening groups
  whose promotion ended `promoted`), `false_discoveries` (its screening groups whose
  promotion was `rejected`), `device_hours` (every job of its groups, verifications of its
  changes included). The org's own groups are listed under their `@` names (`@baseline`,
  `@promote`).
- An ablation's parts (`orgtui ablate`), each with its leave-one-out group's verdict against
  the whole change and the part's role, as `orgtui ablate` names it: reverting it made the
  change `worse` (it carries the gain), `within_noise` (a passenger), `better` (it hurts);
  a part that does not revert cleanly names its conflicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orgtui.judge.progress import Progress, score
from orgtui.ledger.ablations import AblationRow
from orgtui.ledger.outcomes import ablation_rows, group_ends, promotion_rows
from orgtui.ledger.progress import history
from orgtui.ledger.promotions import PromotionRow
from orgtui.ledger.results import Result, results
from orgtui.protocol.ablations import words

if TYPE_CHECKING:
    from orgtui.ledger.store import Ledger

VERDICTS = ("better", "within_noise", "worse", "more_compute", "invalid", "pending")
"""The verdicts an experiment group can have, in the order the report shows them."""


@dataclass(frozen=True, slots=True)
class Screening:
    """One experiment group's result, as the progress plot draws it."""

    group: int
    agent: str
    t: float
    """Seconds from the org's start to its last seed's end."""
    mean: float
    verdict: str


@dataclass(frozen=True, slots=True)
class Mark:
    """One ended promotion, as the progress plot marks it."""

    promotion: int
    screening: int
    state: str
    t: float
    value: float | None
    """The verification's mean (None when it has none)."""


@dataclass(frozen=True, slots=True)
class AgentOutcome:
    """What one agent's work came to (the module's docstring defines each figure)."""

    agent: str
    groups: int
    verdicts: dict[str, int]
    verified_wins: int
    false_discoveries: int
    device_hours: float


@dataclass(frozen=True, slots=True)
class Part:
    """One part of an ablated change and what its leave-one-out group found."""

    row: AblationRow
    verdict: str | None
    delta: float | None
    delta_sigma: float | None

    @property
    def role(self) -> str:
        return words(self.verdict, self.row.conflicts)


@dataclass(frozen=True)
class Report:
    """Everything the report shows, for one org."""

    org: str
    metric: str
    goal: str
    ledger: Path
    started_at: float | None
    progress: Progress
    groups: list[Result]
    screenings: list[Screening] = field(default_factory=list)
    promotions: list[PromotionRow] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    agents: list[AgentOutcome] = field(default_factory=list)
    ablations: dict[int, list[Part]] = field(default_factory=dict)
    """The parts of each ablated group, by that group's id."""


def _agents(groups: list[Result], promotions: list[PromotionRow], seconds: dict[int, float],
            known: Sequence[str]) -> list[AgentOutcome]:  # fmt: skip
    owner = {g.id: g.agent for g in groups}
    found = sorted({g.agent for g in groups} - set(known), key=lambda a: (a.startswith("@"), a))
    names = [*known, *found]
    out = []
    for name in names:
        mine = [g for g in groups if g.agent == name]
        experiments = [g for g in mine if g.kind == "experiment"]
        counts = {v: 0 for v in VERDICTS}
        for g in experiments:
            counts[g.status if g.status in counts else "invalid"] += 1
        wins = {p.screening for p in promotions if p.state == "promoted"}
        false = {p.screening for p in promotions if p.state == "rejected"}
        out.append(AgentOutcome(
            agent=name, groups=len(experiments), verdicts=counts,
            verified_wins=sum(1 for s in wins if owner.get(s) == name),
            false_discoveries=sum(1 for s in false if owner.get(s) == name),
            device_hours=sum(seconds.get(g.id, 0.0) for g in mine) / 3600.0,
        ))  # fmt: skip
    return out


def gather(ledger: Ledger, org: str, metric: str, goal: str, horizon: float | None = None,
           agents: Sequence[str] = ()) -> Report:  # fmt: skip
    """The report of the org whose ledger is `ledger`, its score over `horizon` seconds from
    its start (default: to the ledger's last event); `agents` (the org file's) are listed
    first, in order, even with no group, then the others the ledger names. Raises
    `OldLedger` for a ledger made before groups."""
    past = history(ledger, metric, goal)
    found = score(past, horizon)
    groups = results(ledger, metric)
    ends = group_ends(ledger)
    promotions = promotion_rows(ledger)
    start = past.started_at
    means = {g.id: g.mean for g in groups}
    screenings = []
    for g in groups:
        end = ends.get(g.id)
        if g.kind != "experiment" or g.mean is None or end is None or end.ended_at is None:
            continue
        screenings.append(Screening(g.id, g.agent, end.ended_at - (start or end.ended_at),
                                    g.mean, g.status))  # fmt: skip
    marks = [
        Mark(p.id, p.screening, p.state, p.ended_at - (start or p.ended_at),
             p.value if p.value is not None else means.get(p.verification or -1))
        for p in promotions
        if p.ended_at is not None and p.state in ("promoted", "rejected")
    ]  # fmt: skip
    by_id = {g.id: g for g in groups}
    ablations: dict[int, list[Part]] = {}
    for row in ablation_rows(ledger):
        loo = by_id.get(row.group) if row.group is not None else None
        verdict = (loo.verdict or loo.status) if loo else None
        part = Part(row, verdict, loo.delta if loo else None, loo.delta_sigma if loo else None)
        ablations.setdefault(row.screening, []).append(part)
    seconds = {gid: end.device_seconds for gid, end in ends.items()}
    return Report(
        org=org, metric=metric, goal=goal, ledger=ledger.path, started_at=start,
        progress=found, groups=groups, screenings=screenings, promotions=promotions,
        marks=marks, agents=_agents(groups, promotions, seconds, agents), ablations=ablations,
    )  # fmt: skip
