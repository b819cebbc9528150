"""The built-in researcher's experiment loop (a `solo` researcher's or a `junior`'s): one change
at a time, a knob set in train.py and committed on its branch (`name = value`), then `orgtui
job submit --seeds 3` (orgd draws the seeds and picks the reference: the baseline of the
commit the branch forked from, or the group of its own earlier change that was kept, which
is an ancestor). It follows the group's seeds, waits for the ledger's final verdict, and acts
on it alone: `better` keeps the commit, anything else drops it (`git reset --hard HEAD~1`;
the snapshot stays under refs/orgtui/jobs/N). Every decision goes on the board with the
verdict's one line.

A solo researcher walks the search space from `--start`; a junior has no plan of its own and
runs only what its inbox assigns (`try KEY=VALUE`), every assignment no group of its tried,
so a restarted junior picks up where it was. Assignments come first for both.

It keeps no state of its own: on start it reads back from the ledger (its groups, each
described `agent: name=value`) and from its branch what it tried, what it kept and the best
kept mean; its plan skips the changes tried already (one assigned with `try` runs even so,
except a junior's: it never runs a change twice), it waits for a group of its that is still
being judged (it was stopped mid-experiment) and keeps or drops that change then, and it
drops an untested commit left by a stop between the commit and the submit.

When orgd says the program branch moved (a promotion was merged), it rebases onto it between
two experiments, so that its next changes are judged against the program as it is now (its
own changes that were merged drop out; on a conflict it stays where it was, and says so).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import deque
from dataclasses import replace

from orgtui.enums import JobState
from orgtui.protocol.client import call
from orgtui.protocol.groups import Group, GroupDetail, GroupShow, GroupWait
from orgtui.protocol.status import OrgStatus
from orgtui.research import knobs as K
from orgtui.research.messages import Messages, tries
from orgtui.research.terminal import Screen, bar

SEEDS = 3
WAIT = 2.0
"""Seconds each `group_wait` asks for while a group is followed."""
UNDER_TEST = "Under test as a group of seeds: the ledger's verdict decides whether it stays."


class Experimenter(Messages):
    """A researcher that runs experiments: `solo` (its own plan) or `junior` (its inbox's)."""

    seeds = SEEDS

    def __init__(self, start: str | None, screen: Screen, status: OrgStatus,
                 role: str = "solo") -> None:  # fmt: skip
        super().__init__(screen, status)
        self.role = role
        self.todo = deque(self.plan(start) if role != "junior" else [])
        self.assigned: deque[tuple[str, str]] = deque()
        self.past = K.history([], self.agent, (), "minimize")  # read back by `recall`
        self.recalled = self.inbox_read = False
        self.rebase_onto: str | None = None
        """The program branch orgd said moved, until it rebases onto it."""

    def plan(self, start: str | None) -> list[tuple[str, str]]:
        """The changes it tries of its own accord, in order."""
        return K.plan(self.space, start)

    # -- what it did --------------------------------------------------------------------

    def recall(self) -> list[Group]:
        """What it did, from the ledger and its branch: the changes tried leave the plan, and
        the best kept is its best. Its groups."""
        branch = self.git("rev-list", "--max-count=5000", "HEAD").stdout.split()
        groups = self.groups(agent=self.agent)
        self.past = K.history(groups, self.agent, set(branch), self.goal)
        with self.lock:
            self.todo = deque(c for c in self.todo if c not in self.past.tried)
        return groups

    def resume_work(self) -> None:
        """After a start: what it did before; an untested commit dropped; a change whose
        verdict came while it was stopped acted on; its groups still being judged followed
        to their verdict and acted on."""
        groups = self.recall()
        said = self.git("log", "-1", "--format=%H%n%an%n%s%n%b").stdout.splitlines()
        if (
            said[1:2] == [self.agent]
            and UNDER_TEST in said
            and all(g.commit != said[0] for g in groups)
        ):
            self.screen.log(f"{said[2]}: committed, never submitted: dropped")
            self.git("reset", "-q", "--hard", "HEAD~1")
        head = self.git("rev-parse", "HEAD").stdout.strip()
        if self.past.tried:
            self.screen.log(f"from the ledger: {len(self.past.tried)} changes tried, "
                            f"{len(self.past.kept)} kept · {self.summary()}")  # fmt: skip
        last = [g for g in groups if g.commit == head and K.final(g) and K.change_of(g, self.agent)]
        if last and not self.keeps(last[-1])[0]:
            self.decide(last[-1])  # stopped between its verdict and the revert
        for group in self.past.unfinished:
            name, value = K.change_of(group, self.agent) or ("?", "?")
            self.current = f"{name}={value}"
            self.screen.log(f"{self.current}: group {group.id} was being judged when I stopped: "
                            "waiting for its verdict")  # fmt: skip
            self.decide(self.follow(group.id))
        self.recall()
        self.current = "between experiments"

    # -- the loop -----------------------------------------------------------------------

    def intro(self) -> None:
        super().intro()
        if self.role == "junior":
            self.screen.log("a junior: it runs what its inbox assigns (`try KEY=VALUE`), "
                            "nothing of its own")  # fmt: skip
            return
        self.screen.log(f"search space: {len(self.space)} knobs, {len(self.todo)} changes to try, "
                        f"from {self.todo[0][0] if self.todo else '-'}")  # fmt: skip

    def step(self) -> None:
        """One turn: read back what it did (once), wait, or run the next experiment."""
        if not self.recalled:
            self.resume_work()
            self.recalled = True
        if self.paused.is_set():
            self.screen.set(f"paused · {self.summary()}")
            time.sleep(0.5)
            return
        self.rebase()
        self.read_inbox()
        if not self.baseline():
            self.current = "waiting for the baseline"
            self.screen.set(f"waiting for the org's baseline · {self.summary()}")
            time.sleep(2)
            return
        with self.lock:
            change = self.assigned.popleft() if self.assigned else None
            while change is None and self.todo:
                change = self.todo.popleft()
                if change in self.past.tried:  # tried since the plan was read back
                    change = None
        if change is None:
            self.current = "waiting for an assignment" if self.role == "junior" else (
                "search space done")  # fmt: skip
            self.screen.set(f"{self.current} · {self.summary()}")
            time.sleep(2 if self.role == "junior" else 5)
            return
        try:
            self.experiment(*change)
        except Exception as e:  # one bad experiment must not end the researcher
            self.screen.log(f"experiment {change[0]}={change[1]} failed: {e}")
            self.restore()
            self.recalled = False  # what became of it is read back, as after a restart
        self.current = "between experiments"

    def experiment(self, name: str, value: str) -> None:
        train = self.tree / "train.py"
        text = train.read_text()
        if K.read_knobs(text).get(name) == value:
            self.screen.log(f"{name}={value}: already so, skipped")
            return
        train.write_text(K.set_knob(text, name, value))
        self.commit(name, value)
        self.current = f"{name}={value}"
        gid = self.submit(name, value)
        if gid is None:
            self.git("reset", "-q", "--hard", "HEAD~1")
            return
        with self.lock:
            self.past = replace(self.past, tried=self.past.tried | {(name, value)})
        ref = call(self.socket, GroupShow(group=gid)).reference
        against = "the reference orgd picks" if ref is None else f"group {ref}"
        self.screen.log(f"trying {name}={value}: group {gid}, {self.seeds} seeds, "
                        f"against {against}")  # fmt: skip
        self.decide(self.follow(gid))
        self.recall()

    def submit(self, name: str, value: str) -> int | None:
        """`orgtui job submit --seeds 3` here, in its worktree: the group's id, or None when
        it was refused (said)."""
        proc = self.orgtui("job", "submit", "--seeds", str(self.seeds), "--json",
                           "--name", f"{name}={value}",
                           "--description", K.describe(self.agent, name, value))  # fmt: skip
        try:
            return int(json.loads(proc.stdout)["group"])
        except (ValueError, KeyError, TypeError):
            self.screen.log(f"job submit refused: {(proc.stderr or proc.stdout).strip()}")
            return None

    def follow(self, gid: int) -> GroupDetail:
        """Group `gid` once its verdict is final; its seeds' progress on the last line."""
        while True:
            group = call(self.socket, GroupWait(group=gid, timeout_s=WAIT), timeout=WAIT + 30)
            if K.final(group):
                return group
            n = len(group.runs) or 1
            ended = sum(1 for r in group.runs if r.state.ended)
            running = sum(1 for r in group.runs if r.state == JobState.RUNNING)
            waits = f"{running} running" if running else "queued"
            if ended == n:
                waits = f"pending: {group.verdict.reason}" if group.verdict else "being judged"
            self.screen.set(f"{self.current} · group {gid} · {bar(ended / n)} {ended}/{n} seeds "
                            f"ended · {waits} · {self.summary()}")  # fmt: skip

    def keeps(self, group: Group) -> tuple[bool, str]:
        """Whether the change of `group` (its verdict final) stays, and the line that says
        why: the ledger's verdict alone, `better` or not."""
        name, value = K.change_of(group, self.agent) or ("?", "?")
        better = group.verdict is not None and group.verdict.verdict == "better"
        return better, f"{name}={value} (group {group.id}): {K.said(group)}"

    def decide(self, group: Group) -> None:
        """Act on `keeps`: keep the change's commit, or drop it (only while it is still the
        branch's head)."""
        keep, line = self.keeps(group)
        if keep:
            self.post(f"WIN, kept on my branch: {line}")
            line = f"WIN: {line}"
        else:
            if self.git("rev-parse", "HEAD").stdout.strip() == group.commit:
                self.git("reset", "-q", "--hard", "HEAD~1")
            else:
                self.screen.log(f"group {group.id}'s commit is no longer my branch's head: left")
            self.post(f"no win, reverted: {line}")
            line = f"no win: {line}"
        self.screen.log(line)
        self.screen.set(line)

    def as_me(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`git` in its worktree, as its author and committer."""
        return subprocess.run(["git", "-C", str(self.tree), *args], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              env={**os.environ, "GIT_AUTHOR_NAME": self.agent,
                                   "GIT_AUTHOR_EMAIL": f"{self.agent}@orgtui",
                                   "GIT_COMMITTER_NAME": self.agent,
                                   "GIT_COMMITTER_EMAIL": f"{self.agent}@orgtui"})  # fmt: skip

    def commit(self, name: str, value: str) -> None:
        self.git("add", "train.py")
        done = self.as_me("commit", "-q", "-m", f"{name} = {value}\n\n{UNDER_TEST}\n")
        done.check_returncode()

    def rebase_later(self, program: str) -> None:
        with self.lock:
            self.rebase_onto = program
        self.screen.log(f"{program} moved: I rebase onto it between experiments")

    def rebase(self) -> None:
        """Onto the program branch orgd said moved (its changes that were merged drop out);
        on a conflict it stays where it was, and says so."""
        with self.lock:
            program, self.rebase_onto = self.rebase_onto, None
        if program is None:
            return
        done = self.as_me("rebase", "-q", program)
        if done.returncode != 0:
            self.git("rebase", "--abort")
            self.screen.log(f"git rebase {program}: {(done.stderr or done.stdout).strip()}")
            self.post(f"could not rebase onto {program} (conflicts): my changes stay on the "
                      "commit they were judged on")  # fmt: skip
            return
        head = self.git("log", "-1", "--format=%h %s").stdout.strip()
        self.screen.log(f"rebased onto {program}: now at {head}")
        self.recall()

    def restore(self) -> None:
        self.git("checkout", "--", "train.py")

    def summary(self) -> str:
        best = self.past.best
        shown = f"best {best[0]:.4f} ({best[1]})" if best else "no win yet"
        return f"{len(self.past.done)} done · {shown}"

    # -- messages -----------------------------------------------------------------------

    def read_inbox(self, start_over: bool = False) -> None:
        """A junior reads its whole inbox again after a start: every assignment no group of
        its tried runs (an assignment read but not run before the stop is not lost)."""
        super().read_inbox(start_over or (self.role == "junior" and not self.inbox_read))
        self.inbox_read = True

    def assign(self, words: str, source: str) -> None:
        names = {k.name for k in self.space} | set(
            K.read_knobs((self.tree / "train.py").read_text())
        )
        for name, value in tries(f"try {words}"):
            word = f"{name}={value}"
            try:
                K.literal(value)
            except K.KnobError as e:
                self.screen.log(f"try {word}: {e}")
                continue
            if name not in names:
                self.screen.log(f"try {word}: no knob {name!r}")
                continue
            with self.lock:
                if self.role == "junior" and (
                    (name, value) in self.past.tried or (name, value) in self.assigned
                ):
                    continue  # a junior runs no change twice
                self.assigned.append((name, value))
            self.screen.log(f"assigned from {source}: {word} (next)")

    def upcoming(self, count: int) -> list[str]:
        """The next changes: every assignment, then `count` of its plan's."""
        with self.lock:
            changes = [*self.assigned, *list(self.todo)[:count]]
        return list(dict.fromkeys(f"{name}={value}" for name, value in changes))

    def status_lines(self) -> list[str]:
        lines = [f"now: {self.current} · {self.summary()} · next: "
                 f"{', '.join(self.upcoming(3)) or 'nothing'}"]  # fmt: skip
        return lines + [f"  {line}" for line in self.past.done[-5:]]

    def standup_text(self) -> str:
        done = "; ".join(self.past.done[-5:]) or "nothing finished yet"
        return (f"done: {done}\nnext: {', '.join(self.upcoming(2)) or 'nothing'}\n"
                f"now: {self.current}\nbest: {self.summary()}\nblocked: nothing\n")  # fmt: skip
