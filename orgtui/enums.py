"""The words every layer shares about jobs: their states, kinds and outcomes.

A leaf: it imports nothing of orgtui's, so the ledger, the scheduler, the protocol, the daemon
and the cockpit all use the same values. Each is a `StrEnum`: a member is its string, so the
ledger's TEXT columns and the protocol's JSON hold the plain word (`"ok"`, `"baseline"`).
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Where a job is in its life: waiting, running, or ended with one of the outcomes."""

    QUEUED = "queued"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    LOST = "lost"

    @property
    def ended(self) -> bool:
        return self in ENDED


class Outcome(StrEnum):
    """How a job ended: the states a job never leaves."""

    OK = "ok"
    FAILED = "failed"
    """It ran and exited non-zero, was killed by a signal, or could not start."""
    TIMEOUT = "timeout"
    """Killed at its time budget plus the grace."""
    CANCELLED = "cancelled"
    """Stopped on purpose: `job cancel`, or `down`."""
    LOST = "lost"
    """Its process went and left no status: orgd could not tell how it ended."""


class JobKind(StrEnum):
    """What a job is for, as the ledger judges it."""

    BASELINE = "baseline"
    """The program head's seeds, queued by the baseline ritual."""
    EXPERIMENT = "experiment"
    """A change an agent measures against a baseline."""
    VERIFICATION = "verification"
    """Fresh seeds of a change before it is promoted."""
    OTHER = "other"
    """Anything else: a smoke test, a data preparation."""


ENDED: frozenset[str] = frozenset(Outcome)
"""The states of a job that has ended."""
