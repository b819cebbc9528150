"""When orgd looks at a Slurm job's files (`started`, `status` in `shared_dir`): often while
the job is young or its budget ends, rarely while it waits or runs long.

A look is a file lookup or two on the shared filesystem (NFS, Lustre, ...), where every one is
a round trip to its server; at one look per job every 20 ms, 200 jobs in Slurm would be 20,000
a second, nearly all of them at jobs whose state cannot have changed. The rule: the time from
a job's end to orgd noticing it is kept to a small share of the time the job has taken so far.

  - A job is looked at every `SHARE` (0.5 %) of the time since it last changed (its submit,
    its start seen on the node, a new Slurm state), never more often than every `FAST` (5 ms)
    and never less than every `SLOW` (1 s): a 3-second job's end is noticed within 15 ms, a
    10-minute job's within a second, and a job costs about 200 looks in its first second and
    one a second after its third minute, whether it waits in Slurm's queue or runs.
  - Around its budget's end (from `NEAR` seconds before the wrapper's SIGTERM at budget +
    grace to `NEAR` seconds after its SIGKILL) a running job is looked at every `FAST`: most
    long jobs end there, and their end is then noticed as soon as a short job's.

What only Slurm knows (a node failure, a cancel from outside) comes from `squeue` as before,
and a new Slurm state counts as a change, so a job Slurm just started is looked at often.
"""

from __future__ import annotations

FAST = 0.005
"""Seconds between looks at a job that just changed, or whose budget is ending."""
SHARE = 0.005
"""A job is looked at again after this share of the time since it last changed."""
SLOW = 1.0
"""Seconds at most between looks at any job."""
NEAR = 1.0
"""Seconds before its SIGTERM and after its SIGKILL that a running job is looked at often."""


def gap(age: float, to_limit: float | None, kill_after: float) -> float:
    """Seconds to the next look at a job that last changed `age` seconds ago, whose wrapper
    sends SIGTERM in `to_limit` seconds (negative: sent already; None: not running on a
    node, or no limit) and SIGKILL `kill_after` seconds after that."""
    out = min(SLOW, max(FAST, age * SHARE))
    if to_limit is None:
        return out
    if -(kill_after + NEAR) <= to_limit <= NEAR:
        return FAST
    if to_limit > NEAR:
        out = min(out, max(FAST, to_limit - NEAR))
    return out


class Looks:
    """Each watched job's next look, on the monotonic clock."""

    def __init__(self, kill_after: float) -> None:
        self.kill_after = kill_after
        self.since: dict[int, float] = {}
        self.limit: dict[int, float] = {}
        """Each job's limit on its node (budget plus grace, seconds from its start there)."""
        self.limit_at: dict[int, float] = {}
        self.next: dict[int, float] = {}

    def watch(self, job: int, now: float, limit: float) -> None:
        """A job to watch from `now`, limited to `limit` seconds on its node."""
        self.limit[job] = limit
        self.changed(job, now)

    def changed(self, job: int, now: float, started: float | None = None) -> None:
        """The job changed at `now` (`started`: it started on its node, that many seconds
        ago): it is looked at now, and often for a while."""
        self.since[job] = now
        if started is not None and job in self.limit:
            self.limit_at[job] = now - started + self.limit[job]
        self.next[job] = now

    def due(self, jobs: list[int], now: float) -> list[int]:
        """Those of `jobs` to look at now (a job never seen is); each one's next look is
        set, and jobs no longer watched are forgotten."""
        for gone in set(self.next) - set(jobs):
            self.forget(gone)
        out = []
        for job in jobs:
            if self.next.setdefault(job, now) > now:
                continue
            since = self.since.setdefault(job, now)
            limit_at = self.limit_at.get(job)
            to_limit = None if limit_at is None else limit_at - now
            self.next[job] = now + gap(now - since, to_limit, self.kill_after)
            out.append(job)
        return out

    def wait(self, now: float) -> float:
        """Seconds until the next look is due (SLOW with none watched)."""
        return max(0.0, min((t - now for t in self.next.values()), default=SLOW))

    def forget(self, job: int) -> None:
        for table in (self.since, self.limit, self.limit_at, self.next):
            table.pop(job, None)
