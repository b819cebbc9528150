"""The ablation requests (`ablate`, `ablation_wait`) and their reply.

An ablation takes a win made of several changes and, for each part (a commit, or the
uncommitted edits), runs the whole change with that part reverted, judged against the whole
change: a part whose removal makes it `worse` carries the gain, one whose removal changes
nothing within the noise is a passenger, one whose removal makes it `better` hurt (README,
"Ablation")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from orgtui.protocol.codec import at_least
from orgtui.protocol.messages import Request

ROLES = ("gain", "passenger", "hurts", "conflicts", "pending", "unjudged")
"""What a part's verdict says of it: it carries the gain (reverted, `worse`), it is a
passenger (`within_noise`), it hurts (`better`), it does not revert cleanly (no group), its
group is still running, or its group got another verdict (`more_compute`, `invalid`)."""
ROLE_OF = {"worse": "gain", "within_noise": "passenger", "better": "hurts", "pending": "pending"}
"""What a leave-one-out group's verdict says of the part it reverted."""
WORDS = {"gain": "carries the gain", "passenger": "passenger", "hurts": "hurts",
         "pending": "pending"}  # fmt: skip
"""A part's role as the table, the board and the report say it."""


def role(verdict: str | None, conflicts: tuple[str, ...] | list[str]) -> str:
    """A part's role (one of `ROLES`) from its leave-one-out group's verdict."""
    if conflicts:
        return "conflicts"
    return ROLE_OF.get(verdict or "pending", "unjudged")


def words(verdict: str | None, conflicts: tuple[str, ...] | list[str]) -> str:
    """A part's role in words: `carries the gain`, `does not revert: conflicts in a.py`."""
    if conflicts:
        return f"does not revert: conflicts in {', '.join(conflicts)}"
    return WORDS.get(role(verdict, conflicts), f"not judged ({verdict})")


@dataclass(frozen=True)
class AblationPart:
    commit: str
    """The part's commit; '' for the group's uncommitted edits."""
    subject: str
    """The commit's subject line (`uncommitted edits` for those)."""
    code: str
    """The group's code with this part reverted ('' when it does not revert cleanly)."""
    group: int | None
    """The leave-one-out group of that code (None when it does not revert cleanly)."""
    verdict: str | None
    """That group's verdict against the whole change (None: not judged yet, or no group)."""
    delta: float | None
    """Its mean minus the whole change's mean, in the metric's units."""
    sigma: float | None
    """The per-seed noise the verdict used (Δ/σ is the effect in seeds' spreads)."""
    role: str
    """One of `ROLES`."""
    conflicts: list[str]
    """The paths that conflict when the part is reverted ([] when it reverts cleanly)."""


@dataclass(frozen=True)
class Ablation:
    group: int
    """The ablated group: the whole change, the leave-one-out groups' reference."""
    reference: int | None
    """The whole change's own reference (the commit the parts are counted from)."""
    metric: str
    goal: str
    parts: list[AblationPart]
    done: bool
    """Every part's group has a final verdict."""


@dataclass(frozen=True)
class Ablate(Request[Ablation]):
    """Queue one leave-one-out group per part of a `better` group's change (an ablation
    already made is answered as it stands, nothing queued again)."""

    NAME: ClassVar[str] = "ablate"
    group: int


@dataclass(frozen=True)
class AblationWait(Request[Ablation]):
    """Answered when every part's group has a final verdict, or after `timeout_s` (0: at
    once, the ablation as it stands)."""

    NAME: ClassVar[str] = "ablation_wait"
    group: int
    timeout_s: float = field(default=3600.0, metadata=at_least(0))
