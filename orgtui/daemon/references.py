"""Which group an experiment is judged against: its reference.

Walking back from the group's commit (the branch commit its snapshot was taken on), the
nearest commit that has a candidate at the group's budget gives it:
- a baseline of that commit (the program head the agent forked from, most often), or
- the agent's own earlier change there, when this one is stacked on it: a group of the
  agent's, run clean (no uncommitted edits), at a strict ancestor, whose verdict is `better`
  or still to come (a change that did not win is no base to stack on; one still running
  makes this group wait, and is looked past if it does not win).
Baselines come first, then the latest. A reference serves at most `max_comparisons` (M)
groups; a group that would be its M+1-th gets a fresh baseline of the same commit instead
(orgd queues it), which starts a new family of M.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orgtui.enums import JobKind, JobState
from orgtui.ledger.rows import GroupRow
from orgtui.protocol.messages import RequestError
from orgtui.workspace.gitcli import run_git

if TYPE_CHECKING:
    from orgtui.daemon.baseline import BaselineHost

log = logging.getLogger("orgd.references")
HISTORY = 2000
"""Commits walked back at most when looking for a reference."""
STACKABLE = ("better", "pending", None)
"""The verdicts of an earlier change another may be stacked on (None: not judged yet)."""


@dataclass(frozen=True)
class Pick:
    reference: int | None
    k: int | None
    """Which of the reference's comparisons this is."""
    why: str = ""
    """Why there is none."""


async def ancestors(repo: Path, commit: str) -> list[str]:
    """`commit` and its ancestors, nearest first ([] if git does not know it)."""
    found = await asyncio.to_thread(
        run_git, repo, ["rev-list", f"--max-count={HISTORY}", commit, "--"]
    )
    return found.stdout.split() if found.ok else []


async def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    found = await asyncio.to_thread(run_git, repo, ["merge-base", "--is-ancestor", older, newer])
    return found.ok


def _usable(candidate: GroupRow, group: GroupRow, own_commit: bool, states: list[str]) -> bool:
    if candidate.id == group.id:
        return False
    if candidate.kind == JobKind.BASELINE:
        dead = states and all(JobState(s).ended for s in states) and JobState.OK not in states
        return not dead
    return (
        candidate.agent == group.agent
        and candidate.clean
        and candidate.id < group.id
        and not (own_commit and group.clean)
        and candidate.verdict in STACKABLE
    )


async def pick(orgd: BaselineHost, group: GroupRow, skip: Collection[int] = ()) -> Pick:
    """The reference of `group` (an experiment or verification), queueing a fresh baseline
    when the one found has served its M comparisons."""
    cfg, ledger = orgd.cfg, orgd.jobs.ledger
    most = cfg.research.max_comparisons
    commits = await ancestors(cfg.org.repo, group.commit)
    if not commits:
        return Pick(None, None, f"commit {group.commit[:8]} is not in the repository")
    found = ledger.at_commits(commits, group.budget_time, group.budget_flops)
    for commit in commits:
        here = [
            c for c in found
            if c.commit == commit and c.id not in skip
            and _usable(c, group, commit == group.commit, ledger.seed_states(c.id))
        ]  # fmt: skip
        if not here:
            continue
        here.sort(key=lambda c: (c.kind == JobKind.BASELINE, c.id), reverse=True)
        for candidate in here:
            served = ledger.served(candidate.id, group.id)
            if served < most:
                return Pick(candidate.id, served + 1)
        full = here[0]
        try:
            from orgtui.daemon.baseline import queue_group

            fresh, _ = await queue_group(
                orgd, commit, "@orgd", budget_time=group.budget_time,
                budget_flops=group.budget_flops,
                why=f"group {full.id} served its {most} comparisons: a new family",
            )  # fmt: skip
        except RequestError as e:
            return Pick(None, None, f"group {full.id} served its {most} comparisons, and no "
                                    f"fresh baseline can be made: {e}")  # fmt: skip
        return Pick(fresh, 1)
    budget = (
        f"{group.budget_flops:g} FLOPs" if group.budget_flops is not None
        else f"{group.budget_time:g}s"
    )  # fmt: skip
    return Pick(
        None, None,
        f"no baseline of an ancestor commit at this budget ({budget}): the baseline ritual "
        "makes one of the program head; `orgtui baseline` asks for one now",
    )  # fmt: skip
