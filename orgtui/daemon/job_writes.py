"""orgd's changes to its jobs' ledger rows when the disk may be full, and the disk error
`status` shows.

A job that ends must leave `running` and free its devices even when its end cannot be
written: `JobWrites.write` commits a change, or keeps it, in order, and `check` (once a
second) commits what waits once space returns and tells the caller whose ends landed. While
anything waits, the workdir's filesystem has no space left, or a job's wrapper reported that
its records did not fit, `error` says so (and orgd starts no job: a job's start is recorded
before its process starts, and a job on a full disk could not write its log anyway).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgtui.ledger.store import Ledger, WriteError

log = logging.getLogger("orgd.jobs")
PROBE = 4096
"""Bytes written (then removed) to see that the workdir takes writes again."""


@dataclass
class _Change:
    job: int
    detail: str
    fields: dict[str, Any]
    ends: bool
    """It records the job's end (its agent is told once it lands)."""


class JobWrites:
    """The jobs' ledger changes, committed at once or kept until they can be."""

    def __init__(self, ledger: Ledger, workdir: Path) -> None:
        self.ledger = ledger
        self.workdir = workdir
        self.waiting: list[_Change] = []
        self.failure = ""
        """Why the last write, or a job's records, did not land ('' once they do)."""
        self.full = False
        """The workdir's filesystem had no space left at the last check."""

    @property
    def blocked(self) -> bool:
        """Whether jobs must not start now (a write failed or waits, or the disk is full)."""
        return bool(self.failure or self.waiting or self.full)

    def error(self) -> str | None:
        """The disk error, as `status` shows it (None: none)."""
        if not self.blocked:
            return None
        parts = []
        if self.full:
            parts.append(f"no space left on the filesystem of {self.workdir}")
        if self.failure:
            parts.append(self.failure)
        if self.waiting:
            ends = sum(c.ends for c in self.waiting)
            parts.append(f"{len(self.waiting)} change(s) of jobs ({ends} end(s)) wait to be "
                         "recorded")  # fmt: skip
        return "; ".join(parts) + "; no job starts until there is space"

    def write(self, job: int, detail: str = "", ends: bool = False, **fields: Any) -> bool:
        """Commit a change of `job`'s row, or keep it to commit later (after the changes
        already waiting); whether it landed now."""
        self.waiting.append(_Change(job, detail, fields, ends))
        self._commit()
        return not self.waiting

    def failed(self, why: str) -> None:
        """Something of a job's could not be written (`why`): the disk error shows it."""
        if why != self.failure:
            log.error("%s", why)
        self.failure = why

    def check(self) -> list[int]:
        """Once a second: commit what waits, and see whether the workdir takes writes again
        (then the error is over); the jobs whose end landed now."""
        self.full = _no_space(self.workdir)
        if not (self.failure or self.waiting):
            return []
        ends = [c.job for c in self.waiting if c.ends]
        self._commit()
        if not self.waiting and not self.full and _takes_writes(self.workdir):
            log.info("the workdir takes writes again: what waited is recorded")
            self.failure = ""
        waiting = {c.job for c in self.waiting if c.ends}
        return [job for job in ends if job not in waiting]

    def _commit(self) -> bool:
        """Commit what waits, in order, until one fails; whether all landed."""
        while self.waiting:
            change = self.waiting[0]
            try:
                self.ledger.update(change.job, change.detail, **change.fields)
            except WriteError as e:
                self.failed(f"the ledger could not be written: {e}")
                return False
            self.waiting.pop(0)
        return True


def _no_space(workdir: Path) -> bool:
    try:
        return os.statvfs(workdir).f_bavail == 0
    except OSError:
        return False


def _takes_writes(workdir: Path) -> bool:
    """Whether a few kB can be written in the workdir (a quota shows only so)."""
    probe = workdir / ".orgtui-space-probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"\0" * PROBE)
        finally:
            os.close(fd)
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return True
