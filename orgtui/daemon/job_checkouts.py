"""Each job's checkout of its snapshot (`<workdir>/jobs/<id>/src`), made while the job waits
for the jobs likely to start next (one per device), so a device that frees starts the next
job without waiting for git."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from orgtui.ledger.rows import Waiting
from orgtui.workspace.snapshot import checkout, remove_checkout


class Checkouts:
    """The jobs' checkouts in `jobs_dir`, of commits of `repo`."""

    def __init__(self, repo: Path, jobs_dir: Path) -> None:
        self.repo = repo
        self.dir = jobs_dir
        self.prepared: dict[int, asyncio.Task[None]] = {}

    def src(self, job: int) -> Path:
        return self.dir / str(job) / "src"

    def prepare(self, queued: Sequence[Waiting], ahead: int) -> None:
        """Check out the snapshots of the `ahead` jobs of `queued` likely to start next."""
        waiting = sorted(queued, key=lambda q: (-q.priority, q.queued_at))
        for q in waiting[:ahead]:
            if q.reproducible and q.commit and q.id not in self.prepared:
                self.prepared[q.id] = asyncio.get_running_loop().create_task(
                    asyncio.to_thread(self._checkout, q.commit, self.src(q.id))
                )

    async def make(self, job: int, commit: str) -> Path:
        """The job's checkout, made now unless it was made while it waited (whose error,
        if any, is this one's)."""
        early = self.prepared.pop(job, None)
        if early is not None:
            await early
        else:
            await asyncio.to_thread(self._checkout, commit, self.src(job))
        return self.src(job)

    def drop(self, job: int) -> None:
        """A job that will not start: its early checkout goes."""
        task = self.prepared.pop(job, None)
        if task is not None:
            src = self.src(job)
            task.add_done_callback(
                lambda _: asyncio.get_running_loop().create_task(
                    asyncio.to_thread(remove_checkout, src)
                )
            )

    def _checkout(self, commit: str, src: Path) -> None:
        if src.exists():  # left by an orgd that stopped before the job started
            remove_checkout(src)
        checkout(self.repo, commit, src)
