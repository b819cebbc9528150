"""`orgtui agent --role chief`: the built-in chief, which runs no experiment of its own.

Every turn it reads the org: its juniors (the agents whose role is `junior`, from `status`),
the ledger's groups (every agent's), the juniors' inboxes and the board. It splits the
search space (`--start` says where it begins; a person may type `try KEY=VALUE` to put a
change first) among the juniors, writing each assignment into a junior's inbox (`orgtui
post --to JUNIOR "try KEY=VALUE"`), so that no change is assigned twice or tried twice
(`split.split`). When the ledger calls a group `better`, it asks for its promotion (`orgtui
promote G`: a chief may, from its pane), one at a time, and follows it to its end. A change
of several parts (commits past where it left the program branch) is ablated first (`orgtui
ablate G`): its parts' verdicts, which carry the gain and which are passengers, go on the
board before the promotion is asked for. What it does goes on the board. Its state is the org's (inboxes, ledger), so a restarted chief
carries on where it was.
"""

from __future__ import annotations

import json
import re
import time

from orgtui.protocol.ablations import AblationWait, words
from orgtui.protocol.client import call
from orgtui.protocol.groups import Group
from orgtui.protocol.promotions import PromotionWait
from orgtui.protocol.status import OrgStatus, Status
from orgtui.research import knobs as K
from orgtui.research import split as S
from orgtui.research.messages import Messages, tries
from orgtui.research.terminal import Screen

TURN = 2.0
"""Seconds between two turns."""
ENTRY = re.compile(
    r"^## \S+ \S+ · (?P<author>[^\n→]+?)(?: → \S+)?\n\n(?P<body>.*?)(?=\n## |\Z)", re.M | re.S
)


def entries(text: str) -> list[tuple[str, str]]:
    """The posts of a board's (or an inbox's) text: (author, body)."""
    return [(m["author"], m["body"].strip()) for m in ENTRY.finditer(text)]


class Chief(Messages):
    """The built-in chief: assigns, follows the ledger, promotes."""

    role = "chief"

    def __init__(self, start: str | None, screen: Screen, status: OrgStatus) -> None:
        super().__init__(screen, status)
        self.plan = K.plan(self.space, start)
        self.first: list[S.Change] = []
        """Changes a person typed with `try`: first in the plan."""
        self.known: dict[int, Group] = {}
        self.juniors: list[str] = []
        self.following: tuple[int, int] | None = None
        """The promotion it asked for and follows, and its group."""
        self.refused: set[int] = set()
        self.ablating: int | None = None
        """The group whose ablation it follows before promoting it."""
        self.ablated: set[int] = set()
        """Groups ablated (or found to be one part) before their promotion."""
        self.board = self.comms / "board.md"
        self.board_read = self.board.stat().st_size if self.board.exists() else 0
        self.given = 0
        """Changes in the juniors' inboxes."""

    def intro(self) -> None:
        super().intro()
        self.screen.log(f"a chief: it splits the search space ({len(self.plan)} changes, from "
                        f"{self.plan[0][0] if self.plan else '-'}) among the juniors through "
                        "their inboxes, and promotes what the ledger calls better; no "
                        "experiments of its own")  # fmt: skip

    # -- reading the org ----------------------------------------------------------------

    def ledger(self) -> list[Group]:
        """Every group, read again from the first one not yet settled (a verdict final, or
        every seed ended for a kind not judged)."""
        open_ = [g.id for g in self.known.values() if not settled(g)]
        after = min(open_) - 1 if open_ else max(self.known, default=0)
        for g in self.groups(after=after):
            self.known[g.id] = g
        return [self.known[i] for i in sorted(self.known)]

    def inbox(self, junior: str) -> list[S.Change]:
        """The changes a junior's inbox assigns (whoever wrote them there)."""
        try:
            return tries((self.comms / "inbox" / f"{junior}.md").read_text())
        except OSError:
            return []

    def read_board(self) -> None:
        """The board's new posts, but its own, in its log."""
        try:
            with self.board.open("rb") as f:
                f.seek(self.board_read)
                data = f.read()
        except OSError:
            return
        self.board_read += len(data)
        for author, body in entries(data.decode(errors="replace")):
            if author != self.agent:
                self.screen.log(f"board, {author}: {body.splitlines()[0] if body else ''}")

    # -- a turn -------------------------------------------------------------------------

    def step(self) -> None:
        if self.paused.is_set():
            self.screen.set(f"paused · {self.summary()}")
            time.sleep(0.5)
            return
        status = call(self.socket, Status())
        self.juniors = [a.name for a in status.agents if a.role == "junior"]
        groups = self.ledger()
        self.read_board()
        if not self.juniors:
            self.current = "no juniors in the org"
        else:
            self.current = "following the juniors"
            self.assign_work(groups)
            self.promote(groups)  # says what it waits for, if anything
        self.screen.set(f"{self.current} · {self.summary()}")
        time.sleep(TURN)

    def assign_work(self, groups: list[Group]) -> None:
        with self.lock:
            plan = [*self.first, *self.plan]
        assigned = {j: self.inbox(j) for j in self.juniors}
        judged = {j: S.judged(groups, j) for j in self.juniors}
        given = S.split(plan, self.juniors, assigned, S.tried(groups), judged)
        self.given = sum(len(changes) for changes in assigned.values())
        for junior, (name, value) in given:
            if self.post(f"try {name}={value}", to=junior):
                self.given += 1
                self.screen.log(f"assigned {name}={value} to {junior}")
        if given:
            self.post("Assigned: " + ", ".join(f"{n}={v} to {j}" for j, (n, v) in given))

    def promote(self, groups: list[Group]) -> None:
        """Follow the promotion it asked for; when none is being verified, ask for the next."""
        if self.following is not None:
            pid, gid = self.following
            row = call(self.socket, PromotionWait(promotion=pid, timeout_s=0))
            if row.state == "verifying":
                self.current = f"promotion {pid} of group {gid} verifying"
                return
            self.following = None
            self.screen.log(f"promotion {pid} of group {gid}: {row.state}: {row.reason}")
        group = S.to_promote(groups, self.refused)
        if group is None or not self.ablate(group):
            return
        proc = self.orgtui("promote", str(group.id), "--json")
        try:
            row_id = int(json.loads(proc.stdout)["id"])
        except (ValueError, KeyError, TypeError):
            if proc.returncode == 2:  # refused (a conflict, merged already): not asked again
                self.refused.add(group.id)
            self.screen.log(f"orgtui promote {group.id}: {(proc.stderr or proc.stdout).strip()}")
            return
        self.following = (row_id, group.id)
        line = f"group {group.id} ({group.description}): {K.said(group)}"
        self.screen.log(f"promoting {line}")
        self.post(f"Promoting {line}: fresh seeds verify it before it is merged "
                  f"(promotion {row_id})")  # fmt: skip

    def ablate(self, group: Group) -> bool:
        """Whether `group` may be promoted now: its change ablated first when it has several
        parts (asked for, then followed to its parts' verdicts, which go on the board)."""
        if group.id in self.ablated:
            return True
        if self.ablating != group.id:
            proc = self.orgtui("ablate", str(group.id), "--json")
            if proc.returncode == 2:  # one part (or the ablation refused): promoted as it is
                self.screen.log(f"orgtui ablate {group.id}: {proc.stderr.strip()}")
                self.ablated.add(group.id)
                return True
            if proc.returncode != 0:
                self.screen.log(f"orgtui ablate {group.id}: {(proc.stderr or proc.stdout).strip()}")
                return False
            self.ablating = group.id
            self.screen.log(f"ablating group {group.id} ({group.description}) before promoting "
                            "it: its change has several parts")  # fmt: skip
        made = call(self.socket, AblationWait(group=group.id, timeout_s=0))
        if not made.done:
            judged = sum(1 for p in made.parts if p.role not in ("pending",))
            self.current = f"ablation of group {group.id}: {judged} of {len(made.parts)} parts"
            return False
        self.ablating = None
        self.ablated.add(group.id)
        said = [f"{p.commit[:8] or 'edits'} ({p.subject}): {words(p.verdict, p.conflicts)}"
                for p in made.parts]  # fmt: skip
        for line in said:
            self.screen.log(f"  group {group.id}, {line}")
        riders = [p.subject for p in made.parts if p.role in ("passenger", "hurts")]
        self.post(f"Ablated group {group.id} ({group.description}) before promoting it: "
                  + "; ".join(said) + (f". Passengers ride along: {', '.join(riders)}; the "
                  "verification judges the whole change" if riders else ""))  # fmt: skip
        return True

    # -- messages -----------------------------------------------------------------------

    def assign(self, words: str, source: str) -> None:
        names = {k.name for k in self.space}
        for name, value in tries(f"try {words}"):
            if name not in names:
                self.screen.log(f"try {name}={value}: no knob {name!r} in the search space")
                continue
            with self.lock:
                self.first.append((name, value))
            self.screen.log(f"from {source}: {name}={value} goes to the next free junior")

    def summary(self) -> str:
        groups = list(self.known.values())
        wins = sum(1 for g in groups if g.verdict is not None and g.verdict.verdict == "better"
                   and K.change_of(g, g.agent))  # fmt: skip
        done = sum(1 for g in groups if K.final(g) and K.change_of(g, g.agent))
        return (f"{len(self.juniors)} juniors · {self.given} of {len(self.plan)} assigned · "
                f"{done} judged · {wins} better")  # fmt: skip

    def status_lines(self) -> list[str]:
        lines = [f"now: {self.current} · {self.summary()}"]
        for j in self.juniors:
            lines.append(f"  {j}: " + (", ".join(f"{n}={v}" for n, v in self.inbox(j)[-4:])
                                       or "nothing assigned"))  # fmt: skip
        return lines


def settled(group: Group) -> bool:
    """Whether a group changes no more: its verdict final, or, for a kind not judged, every
    seed ended."""
    return K.final(group) or (group.verdict is None and group.state == "ended")
