"""The promotion requests (`promote`, `promotion_wait`) and their reply.

A promotion verifies a `better` group with fresh seeds of exactly its code beside fresh seeds
of the program head, and merges that code into the program branch only if the verification
is `better` too (README, "Promotion")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from orgtui.protocol.codec import at_least
from orgtui.protocol.messages import Request


@dataclass(frozen=True)
class Promotion:
    id: int
    screening: int
    """The group whose win is verified."""
    verification: int | None
    """Fresh seeds of exactly its code."""
    reference: int | None
    """Fresh seeds of the program head the merge targets, run beside them."""
    commit: str
    """The code verified and merged (the screening group's snapshot)."""
    target: str
    """The program head when the verification started."""
    min_delta: float
    """The margin the verification had to beat, recorded before it ran."""
    asked_by: str
    state: str
    """`verifying`, `promoted`, `rejected` (not confirmed) or `failed` (not merged)."""
    reason: str
    merge: str
    """The merge commit on the program branch (promoted)."""
    value: float | None
    created_at: float
    ended_at: float | None


@dataclass(frozen=True)
class Promote(Request[Promotion]):
    """Verify a `better` group and, if confirmed, merge it (a person, a chief agent)."""

    NAME: ClassVar[str] = "promote"
    group: int


@dataclass(frozen=True)
class PromotionWait(Request[Promotion]):
    """Answered when the promotion has ended, or after `timeout_s`."""

    NAME: ClassVar[str] = "promotion_wait"
    promotion: int
    timeout_s: float = field(default=3600.0, metadata=at_least(0))
