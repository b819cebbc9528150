"""Ablation: which parts of a win carry its gain, and which are passengers.

A win made of several changes is often kept whole, its passengers with it. `start` takes an
experiment the ledger calls `better` and splits its change into parts: the commits between its
reference's commit and its code, oldest first (`git log --first-parent REF..CODE`: a merge
the agent made is one part), and, when it ran with uncommitted edits, those edits as one more
part. When the reference is the agent's own earlier change (stacked on it, not on the program
branch), the parts are counted from where the change left the program branch instead (the
merge base of the program head and the code): what a promotion would land, the earlier
change included, since a kept change that did not win verification rides along otherwise. The group's code is its branch commit when it ran clean, else its snapshot. Fewer than
two parts is refused: there is nothing to ablate.

For each part, the group's code with that part reverted is made as a commit (its parent the
code, so the whole change is its ancestor) without touching any worktree: a three-way merge
of the code with the part's parent, whose base is the part itself, is a revert (what `git
revert` does). git 2.39's `merge-tree --write-tree` has no `--merge-base` (2.40 added it) and
computes the base itself, so the three trees are wrapped in throwaway commits whose only
common ancestor is the part's tree; the merge is then git's own (ort, renames included), in
the object database alone. A part that does not revert cleanly gets no group: its
conflicting paths are kept and named.

Each part that reverts cleanly gets a leave-one-out group: kind `experiment`, the ablated
group's agent, branch, budget and command, as many fresh seeds (never used in the org) as it
had, at least 3, all queued in one transaction and interleaved so that drift hits them
alike. Its reference is the ablated group itself, the whole change, so its verdict reads:
`worse` the reverted part carried the gain, `within_noise` it is a passenger, `better` it
hurt. These comparisons count against the whole change's M (`max_comparisons`): an ablation
that would take it past M is refused. Only a `better` experiment is ablated: the verdicts look
past a reference that did not win (`daemon/verdicts.py`), and a gain is what is split.

The ledger keeps the link (`ablations`): the ablated group, each part's commit and subject,
its reverted code and group, or its conflicts. Asking again answers the ablation as it
stands. When every part's verdict is final, the board gets the table; a leave-one-out group
that is `better` is never promoted by `promote = "auto"` (its code is on no branch).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from orgtui.daemon import comms
from orgtui.daemon.baseline import BaselineHost, rerun_group
from orgtui.daemon.promote import fresh_seeds, merge_tree
from orgtui.enums import JobKind
from orgtui.protocol.ablations import words
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, RequestError
from orgtui.workspace.gitcli import run_git

if TYPE_CHECKING:
    from orgtui.ledger.ablations import AblationRow
    from orgtui.ledger.rows import GroupRow, JobRow
    from orgtui.ledger.store import Ledger

log = logging.getLogger("orgd.ablate")
MIN_SEEDS = 3
"""A leave-one-out group has as many seeds as the ablated group, and at least this many."""
EDITS = "uncommitted edits"
"""The subject of the part that is a group's uncommitted edits."""
GIT_ENV = {"GIT_AUTHOR_NAME": "orgtui", "GIT_AUTHOR_EMAIL": "orgtui@orgtui",
           "GIT_COMMITTER_NAME": "orgtui", "GIT_COMMITTER_EMAIL": "orgtui@orgtui"}  # fmt: skip


class AblateHost(BaselineHost, Protocol):
    """What ablation needs of orgd: its settings, its comms folder (the board is told) and its
    jobs (the ledger records the groups; dispatch starts them), as `BaselineHost` names."""


@dataclass(frozen=True)
class Part:
    """One part of a change: reverting it turns the tree of `commit` back into `parent`'s."""

    commit: str
    """The part's commit; '' for uncommitted edits."""
    subject: str
    tree: str
    """The commit whose tree has the part (the snapshot, for uncommitted edits)."""
    parent: str
    """The commit whose tree has not."""

    @property
    def label(self) -> str:
        return f"{self.commit[:8]} ({self.subject})" if self.commit else self.subject


def _bad(text: str) -> RequestError:
    return RequestError(text, BAD_REQUEST)


def _git(repo: Path, args: list[str]) -> str:
    found = run_git(repo, args, env=GIT_ENV)
    if not found.ok:
        raise _bad(f"git {args[0]}: {found.message}")
    return found.stdout.strip()


def parts_of(repo: Path, since: str, group: GroupRow) -> list[Part]:
    """The parts of `group`'s change since commit `since`, oldest first."""
    head = group.commit or group.snapshot
    log_ = _git(repo, ["log", "--first-parent", "--reverse", "--format=%H%x00%P%x00%s",
                       f"{since}..{head}", "--"])  # fmt: skip
    parts: list[Part] = []
    for line in log_.splitlines():
        sha, parents, subject = line.split("\0", 2)
        if not parents:
            raise _bad(f"commit {sha[:8]} has no parent: it cannot be reverted alone")
        parts.append(Part(sha, subject, sha, parents.split()[0]))
    if not group.clean and group.snapshot and group.snapshot != group.commit:
        parts.append(Part("", EDITS, group.snapshot, group.commit))
    return parts


def counted_from(repo: Path, program: str, reference: str, code: str) -> str:
    """The commit a change's parts are counted from: its reference's commit, or, when that is
    not on the program branch (the agent's own earlier change, stacked on), where the code
    left the program branch."""
    on_program = run_git(repo, ["merge-base", "--is-ancestor", reference, f"refs/heads/{program}"])
    if on_program.ok:
        return reference
    base = run_git(repo, ["merge-base", f"refs/heads/{program}", code])
    fork = base.stdout.strip()
    if not base.ok or not fork:
        return reference
    below = run_git(repo, ["merge-base", "--is-ancestor", fork, reference])
    return fork if below.ok else reference


def revert(repo: Path, code: str, part: Part, message: str) -> tuple[str, list[str]]:
    """`code` with `part` reverted, as a commit whose parent is `code` ('' when it does not
    revert cleanly), and the conflicting paths."""
    base = _git(repo, ["commit-tree", f"{part.tree}^{{tree}}", "-m", "ablation: the part"])
    theirs = _git(repo, ["commit-tree", f"{part.parent}^{{tree}}", "-p", base, "-m", "without"])
    ours = _git(repo, ["commit-tree", f"{code}^{{tree}}", "-p", base, "-m", "with"])
    tree, conflicts = merge_tree(repo, ours, theirs)
    if conflicts:
        return "", sorted(set(conflicts))
    return _git(repo, ["commit-tree", tree, "-p", code, "-m", message]), []


class Ablator:
    """The org's ablations."""

    def __init__(self, orgd: AblateHost) -> None:
        self.orgd = orgd
        self._lock = asyncio.Lock()  # one ablation made at a time: asked twice, made once

    @property
    def ledger(self) -> Ledger:
        return self.orgd.jobs.ledger

    async def start(self, gid: int, asked_by: str) -> list[AblationRow]:
        """Queue the ablation of group `gid` (or find the one made); its parts."""
        async with self._lock:
            made = self.ledger.ablation(gid)
            return made or await self._start(gid, asked_by)

    async def _start(self, gid: int, asked_by: str) -> list[AblationRow]:
        cfg, ledger = self.orgd.cfg, self.ledger
        repo = cfg.org.repo
        group = ledger.group(gid)
        if group is None:
            raise RequestError(f"no group {gid} in org {cfg.org.name}", NOT_FOUND)
        if group.kind != JobKind.EXPERIMENT or group.verdict != "better":
            what = (group.verdict or "not judged").replace("_", " ")
            raise _bad(f"group {gid} is {what} ({group.kind}): only an experiment the ledger "
                       "calls better is ablated (its parts are judged against it)")  # fmt: skip
        reference = ledger.group(group.reference) if group.reference else None
        if reference is None or not reference.commit:
            raise _bad(f"group {gid} has no reference commit to count its parts from")
        code = group.commit if group.clean and group.commit else group.snapshot
        since = await asyncio.to_thread(counted_from, repo, cfg.org.program, reference.commit,
                                        code)  # fmt: skip
        parts = await asyncio.to_thread(parts_of, repo, since, group)
        if len(parts) < 2:
            past = (f"group {reference.id}'s {since[:8]}" if since == reference.commit
                    else f"{cfg.org.program} at {since[:8]}")  # fmt: skip
            raise _bad(f"nothing to ablate: one change (group {gid} is "
                       f"{parts[0].label if parts else 'no change'} past {past})")  # fmt: skip
        reverted = [
            await asyncio.to_thread(revert, repo, code, part,
                                    f"Ablation of group {gid}: without {part.label}")
            for part in parts
        ]  # fmt: skip
        clean = [i for i, (commit, _) in enumerate(reverted) if commit]
        most = cfg.research.max_comparisons
        self._within_m(gid, len(clean), most)
        runs = ledger.group_jobs(gid)
        n = max(MIN_SEEDS, len(runs))
        seeds = fresh_seeds(ledger.seeds_used(), n * len(clean))
        groups = [
            self._group(group, runs[0], seeds[k * n : (k + 1) * n], reverted[i][0],
                        f"ablation of group {gid}: without {parts[i].label}")
            for k, i in enumerate(clean)
        ]  # fmt: skip

        def number() -> None:  # inside the transaction: k of the whole change's M
            served = self._within_m(gid, len(groups), most)
            for k, (row, _) in enumerate(groups, start=1):
                row["comparison"] = served + k

        made = ledger.add_groups(groups, check=number) if groups else []
        ids = dict(zip(clean, made, strict=True))
        rows: list[dict[str, Any]] = [
            {"part": part.commit, "subject": part.subject, "code": reverted[i][0],
             "group": ids[i][0] if i in ids else None, "conflicts": reverted[i][1]}
            for i, part in enumerate(parts)
        ]  # fmt: skip
        ledger.add_ablation(gid, asked_by, rows)
        for i, (_, jobs) in ids.items():
            for job in jobs:
                await asyncio.to_thread(
                    run_git, repo, ["update-ref", f"refs/orgtui/jobs/{job}", reverted[i][0]]
                )
        await self._post(self._queued(group, asked_by, parts, rows))
        await self.orgd.jobs.dispatch()
        return ledger.ablation(gid)

    def _within_m(self, gid: int, adding: int, most: int) -> int:
        """How many comparisons group `gid` serves; refused when `adding` more exceed M."""
        served = self.ledger.served(gid, 0)
        if served + adding > most:
            raise _bad(f"group {gid} serves {served} of its {most} comparisons "
                       f"(max_comparisons) already: its {adding} leave-one-out groups would "
                       "take it past them")  # fmt: skip
        return served

    def _group(self, whole: GroupRow, run: JobRow, seeds: list[int], commit: str,
               description: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
        """A group like `whole` (its agent, budget and command) of `commit`, with `seeds`,
        judged against `whole`."""
        group, jobs = rerun_group(self.orgd.cfg, whole, run, seeds, commit, JobKind.EXPERIMENT,
                                  whole.agent, description)  # fmt: skip
        return {**group, "reference": whole.id}, jobs

    def _queued(self, group: GroupRow, asked_by: str, parts: list[Part],
                rows: list[dict[str, Any]]) -> str:  # fmt: skip
        lines = [f"Ablation of group {group.id} ({group.agent}: {group.description}) asked by "
                 f"{asked_by}: each of its {len(parts)} parts reverted, judged against the "
                 "whole change:"]  # fmt: skip
        for part, row in zip(parts, rows, strict=True):
            lines.append(f"- {part.label}: " + (
                f"group {row['group']}" if row["group"] is not None
                else f"does not revert: conflicts in {', '.join(row['conflicts'])}"
            ))  # fmt: skip
        return "\n".join(lines)

    def judged(self, gid: int) -> bool:
        """Group `gid`'s verdict just became final: whether it is a leave-one-out group (the
        board gets the table when it is its ablation's last)."""
        part = self.ledger.ablation_part(gid)
        if part is None:
            return False
        rows = self.ledger.ablation(part.screening)
        verdicts = [self._verdict(r.group) for r in rows if r.group is not None]
        if all(v not in (None, "pending") for v in verdicts):
            lines = [f"Ablation of group {part.screening}: each part reverted, against the "
                     "whole change:"]  # fmt: skip
            for r in rows:
                label = f"{r.part[:8]} ({r.subject})" if r.part else r.subject
                said = self.says(r)
                lines.append(f"- {label}: {said}")
            asyncio.get_running_loop().create_task(self._post("\n".join(lines)))
        return True

    def _verdict(self, gid: int | None) -> str | None:
        row = self.ledger.group(gid) if gid is not None else None
        return None if row is None else row.verdict

    def says(self, row: AblationRow) -> str:
        """A part's role in words: `carries the gain (group 7: worse, Δ +0.75)`."""
        if row.conflicts:
            return words(None, row.conflicts)
        group = self.ledger.group(row.group) if row.group is not None else None
        verdict = group.verdict if group else None
        delta = group.judgement.get("delta") if group else None
        shown = "" if delta is None else f", Δ {delta:+.4g}"
        return f"{words(verdict, [])} (group {row.group}: {verdict or 'pending'}{shown})"

    async def _post(self, text: str) -> None:
        log.info("%s", text)
        try:
            await asyncio.to_thread(comms.post, self.orgd.comms, "orgtui ablate", None, text)
        except OSError as e:
            log.warning("the board was not told of the ablation: %s", e)
