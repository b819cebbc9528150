"""Promotion: a screening win verified by fresh seeds, then merged into the program branch.

`start` checks the group (an experiment or verification judged `better`, whose code merges
cleanly into the program head) and makes the code that would land: the merge of its code
into the program head (the same tree as its code when the agent forked from that head). It
queues, in one transaction and interleaved, a verification group (`verify_seeds` seeds never
used before in this org) of that merge and a fresh reference group of the program head, at
the group's budget; the margin (`min_delta`) is recorded first. So what is verified is
exactly what lands, and a change forked from an older head is verified as it would merge
into the new one. When the verification's verdict is final (`verified`, called by the
verdicts), a `better` one lands: a merge commit of the same tree whose message carries the
verdict, the groups and the compute ratios becomes the program head, only if that head has
not moved meanwhile; a baseline of the new head is queued, and every agent is told to
rebase. Not confirmed (`within_noise`, `worse`, `more_compute`): `rejected`, nothing moves.
A verification that could not be judged (a seed failed, the org went down): `failed`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from orgtui.agents.delivery import for_agent
from orgtui.daemon import comms
from orgtui.daemon.agent import Agent
from orgtui.daemon.baseline import (
    BaselineHost,
    draw_seeds,
    program_head,
    queue_baseline,
    rerun_group,
)
from orgtui.enums import JobKind
from orgtui.judge.verdict import Verdict, summary
from orgtui.ledger.promotions import PromotionRow
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, RequestError
from orgtui.workspace.gitcli import run_git

if TYPE_CHECKING:
    from orgtui.ledger.rows import GroupRow
    from orgtui.ledger.store import Ledger

log = logging.getLogger("orgd.promote")
PROMOTABLE = (JobKind.EXPERIMENT, JobKind.VERIFICATION)


def _described(group: GroupRow) -> str:
    """`agent: description`, the agent named once (a researcher's descriptions start with it)."""
    if group.description.startswith(f"{group.agent}:"):
        return group.description
    return f"{group.agent}: {group.description}"


class PromoteHost(BaselineHost, Protocol):
    """What promotion needs of orgd: its settings, jobs and comms (`BaselineHost`: the new
    head's baseline is queued), and its agents, who are told to rebase."""

    @property
    def agents(self) -> Mapping[str, Agent]: ...
    async def deliver(self, agent: Agent, text: str, timeout: float) -> None: ...


def _bad(text: str) -> RequestError:
    return RequestError(text, BAD_REQUEST)


def fresh_seeds(used: set[int], n: int) -> list[int]:
    """`n` seeds no job of the org ran with."""
    seeds: list[int] = []
    while len(seeds) < n:
        seeds += [s for s in draw_seeds(n) if s not in used and s not in seeds]
    return seeds[:n]


def merge_tree(repo: Path, target: str, commit: str) -> tuple[str, list[str]]:
    """The tree of merging `commit` into `target`, and the paths that conflict ([] when it
    merges cleanly)."""
    args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", target, commit]
    found = run_git(repo, args)
    lines = found.stdout.split("\n")
    if found.returncode not in (0, 1) or not lines[0].strip():
        raise _bad(f"git merge-tree {target[:8]} {commit[:8]}: {found.message}")
    return lines[0].strip(), [p for p in lines[1:] if p.strip()]


class Promoter:
    """The org's promotions."""

    def __init__(self, orgd: PromoteHost) -> None:
        self.orgd = orgd
        self.changed = asyncio.Condition()
        """Notified when a promotion ends (`promotion_wait` waits on it)."""

    @property
    def ledger(self) -> Ledger:
        return self.orgd.jobs.ledger

    def min_delta(self, verification: int) -> float | None:
        """The margin recorded for the promotion whose verification is this group."""
        for row in self.ledger.promotions("verifying"):
            if row.verification == verification:
                return row.min_delta
        return None

    # -- starting -----------------------------------------------------------------------

    async def auto(self) -> None:
        """`promote = "auto"`: promote the earliest better experiment not promoted yet, one at
        a time (verifications started together against one head would all but one end
        `failed`: the first to merge moves the head). Called when an experiment is judged
        better and when a promotion ends."""
        ledger = self.ledger
        if ledger.promotions("verifying"):
            return  # this one's end looks again
        tried = {p.screening for p in ledger.promotions()}
        for group in ledger.groups(kind=JobKind.EXPERIMENT, verdict="better"):
            if group.id in tried or ledger.ablation_part(group.id) is not None:
                continue  # promoted or refused before; or a leave-one-out group (no branch)
            try:
                await self.start(group.id, "@orgd")
                return
            except RequestError as e:  # on the branch already, or it does not merge cleanly
                log.info("auto promotion of group %d: %s", group.id, e)

    async def start(self, gid: int, asked_by: str) -> PromotionRow:
        cfg, ledger = self.orgd.cfg, self.ledger
        group = ledger.group(gid)
        if group is None:
            raise RequestError(f"no group {gid} in org {cfg.org.name}", NOT_FOUND)
        if (part := ledger.ablation_part(gid)) is not None:
            raise _bad(f"group {gid} is a part of the ablation of group {part.screening} (that "
                       "change with one part reverted): its code is on no branch; promote "
                       f"group {part.screening}, or commit the revert on a branch and test it "
                       "there")  # fmt: skip
        if group.kind not in PROMOTABLE or group.verdict != "better":
            what = group.verdict or "not judged"
            raise _bad(f"group {gid} is {what.replace('_', ' ')} ({group.kind}): only a group "
                       "the ledger calls better is promoted")  # fmt: skip
        for row in ledger.promotions_of(gid):
            if row.state in ("verifying", "promoted"):
                raise _bad(f"group {gid} is {row.state} already (promotion {row.id})")
        target = await program_head(cfg)
        repo = cfg.org.repo
        # Exactly the code that was judged: its branch commit when it ran clean (the same
        # tree as its snapshot), else the snapshot, which holds its uncommitted edits.
        code = group.commit if group.clean and group.commit else group.snapshot
        tree, conflicts = await asyncio.to_thread(merge_tree, repo, target, code)
        if conflicts:
            raise _bad(f"group {gid}'s code does not merge cleanly into {cfg.org.program} "
                       f"({target[:8]}): conflicts in {', '.join(conflicts)}")  # fmt: skip
        head_tree = await asyncio.to_thread(run_git, repo, ["rev-parse", f"{target}^{{tree}}"])
        if head_tree.stdout.strip() == tree:  # merging it changes nothing
            raise _bad(f"group {gid}'s code ({code[:8]}) is on {cfg.org.program} already")
        landing = await asyncio.to_thread(
            self._commit, tree, target, code, f"orgtui: group {gid} as it would land on "
            f"{cfg.org.program} at {target[:8]} (verified by a promotion)",
        )  # fmt: skip
        runs = ledger.group_jobs(gid)
        seeds = fresh_seeds(ledger.seeds_used(), cfg.research.verify_seeds)
        refs = fresh_seeds(ledger.seeds_used() | set(seeds), cfg.research.verify_seeds)
        verification = rerun_group(cfg, group, runs[0], seeds, landing, JobKind.VERIFICATION,
                                   group.agent, f"verification of group {gid}")  # fmt: skip
        reference = rerun_group(cfg, group, runs[0], refs, target, JobKind.BASELINE, "@promote",
                                f"reference for group {gid}'s verification")  # fmt: skip
        (vid, vjobs), (rid, rjobs) = ledger.add_groups([verification, reference])
        ledger.update_group(vid, reference=rid, comparison=1)
        pid = ledger.add_promotion(
            screening=gid, verification=vid, reference=rid, commit=code, target=target,
            min_delta=cfg.research.min_delta, asked_by=asked_by,
        )  # fmt: skip
        for job, commit in [(j, landing) for j in vjobs] + [(j, target) for j in rjobs]:
            await asyncio.to_thread(
                run_git, repo, ["update-ref", f"refs/orgtui/jobs/{job}", commit]
            )
        text = (f"Promotion {pid} of group {gid} ({_described(group)}) asked by "
                f"{asked_by}: {len(seeds)} fresh seeds of its code (group {vid}) beside "
                f"{len(refs)} of {cfg.org.program} at {target[:8]} (group {rid}), margin "
                f"{cfg.research.min_delta:g}.")  # fmt: skip
        await asyncio.to_thread(comms.post, self.orgd.comms, "orgtui promote", None, text)
        log.info("%s", text)
        await self.orgd.jobs.dispatch()
        made = ledger.promotion(pid)
        assert made is not None
        return made

    # -- ending -------------------------------------------------------------------------

    async def verified(self, vid: int, verdict: Verdict) -> None:
        """The verification group `vid` has its final verdict: merge, or say why not."""
        row = next((p for p in self.ledger.promotions("verifying") if p.verification == vid),
                   None)  # fmt: skip
        if row is None:
            return
        said = summary(verdict)
        if verdict.verdict == "invalid":
            await self._end(row, "failed", f"the verification could not be judged ({said}): "
                            f"nothing moves; verify again with `orgtui promote {row.screening}`")  # fmt: skip
            return
        if verdict.verdict != "better":
            await self._end(row, "rejected", f"not confirmed by fresh seeds: {said}; nothing moves")
            return
        try:
            merge = await self._merge(row, verdict)
        except RequestError as e:
            await self._end(row, "failed", str(e))
            return
        await self._end(row, "promoted", f"merged as {merge[:8]}: {said}", merge=merge,
                        value=verdict.mean)  # fmt: skip
        cfg = self.orgd.cfg
        ritual = next((p.name for p in cfg.processes if p.kind == "baseline"), "promote")
        try:
            await queue_baseline(self.orgd, ritual)
        except Exception as e:  # the next ritual run tries again
            log.error("promotion %d: no baseline of the new head: %s", row.id, e)
        screening = self.ledger.group(row.screening)
        who = _described(screening) if screening else ""
        text = (f"orgtui: {cfg.org.program} moved to {merge[:8]}: promotion {row.id} merged "
                f"group {row.screening} ({who}), verified: {said}. Rebase your branch onto "
                f"it: git rebase {cfg.org.program}")  # fmt: skip
        for agent in self.orgd.agents.values():
            asyncio.get_running_loop().create_task(self._tell(agent, text))

    async def _merge(self, row: PromotionRow, verdict: Verdict) -> str:
        cfg = self.orgd.cfg
        repo, program = cfg.org.repo, cfg.org.program
        head = await program_head(cfg)
        if head != row.target:
            raise _bad(f"{program} moved meanwhile ({row.target[:8]} -> {head[:8]}): verify "
                       f"again with `orgtui promote {row.screening}`")  # fmt: skip
        tree, conflicts = await asyncio.to_thread(merge_tree, repo, row.target, row.commit)
        if conflicts:
            raise _bad(f"does not merge cleanly: conflicts in {', '.join(conflicts)}")
        screening = self.ledger.group(row.screening)
        ratios = ", ".join(f"{k} {v:.3g}x" for k, v in verdict.compute_ratio.items()
                           if v is not None)  # fmt: skip
        message = (
            f"Promote group {row.screening}"
            + (f" ({_described(screening)})" if screening else "")
            + f"\n\nVerified by promotion {row.id}: group {row.verification} (fresh seeds of "
            f"{row.commit[:8]} merged into {row.target[:8]}) against group {row.reference} "
            f"(fresh seeds of {row.target[:8]}), margin {row.min_delta:g}:\n{summary(verdict)}\n"
            f"compute: {ratios or '-'}\nscreening: group {row.screening}"
            + (f", {summary(Verdict.from_json(screening.judgement))}\n" if screening and
               screening.judgement else "\n")
        )  # fmt: skip
        merge = await asyncio.to_thread(self._commit, tree, row.target, row.commit, message)
        moved = await asyncio.to_thread(
            run_git, repo, ["update-ref", f"refs/heads/{program}", merge, row.target]
        )
        if not moved.ok:
            raise _bad(f"{program} moved meanwhile: verify again with "
                       f"`orgtui promote {row.screening}` ({moved.message})")  # fmt: skip
        return merge

    def _commit(self, tree: str, target: str, code: str, message: str) -> str:
        """A merge commit of `tree` with parents `target` and `code` (no worktree touched)."""
        env = {"GIT_AUTHOR_NAME": "orgtui", "GIT_AUTHOR_EMAIL": "orgtui@orgtui",
               "GIT_COMMITTER_NAME": "orgtui", "GIT_COMMITTER_EMAIL": "orgtui@orgtui"}  # fmt: skip
        made = run_git(self.orgd.cfg.org.repo,
                       ["commit-tree", tree, "-p", target, "-p", code, "-m", message], env=env)  # fmt: skip
        if not made.ok:
            raise _bad(f"git commit-tree: {made.message}")
        return made.stdout.strip()

    async def _end(self, row: PromotionRow, state: str, reason: str, merge: str = "",
                   value: float | None = None) -> None:  # fmt: skip
        self.ledger.update_promotion(row.id, state=state, reason=reason, merge=merge,
                                     value=value, ended_at=time.time())  # fmt: skip
        log.info("promotion %d of group %d: %s (%s)", row.id, row.screening, state, reason)
        await asyncio.to_thread(comms.post, self.orgd.comms, "orgtui promote", None,
                                f"Promotion {row.id} of group {row.screening}: {state}, "
                                f"{reason}.")  # fmt: skip
        async with self.changed:
            self.changed.notify_all()
        if self.orgd.cfg.research.promote == "auto":
            asyncio.get_running_loop().create_task(self._auto())

    async def _auto(self) -> None:
        try:
            await self.auto()
        except Exception:  # said in the log; the next better verdict tries again
            log.exception("auto promotion")

    async def _tell(self, agent: Agent, text: str) -> None:
        try:
            await self.orgd.deliver(agent, for_agent(agent.spec.kind, text), timeout=120)
        except Exception as e:
            log.warning("%s was not told of the promotion: %s", agent.spec.name, e)
