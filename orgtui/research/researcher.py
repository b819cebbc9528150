"""`orgtui agent`: the built-in researcher, an interactive program for an agent's pane.

It reads the program (`program.md`) and the search space (`search_space.toml`) in its
worktree and waits until the org has a baseline group that ended with an ok seed (so its
first change is not judged against nothing). Then it tries one change at a time: a knob set
in train.py and committed on its branch (`name = value`), then `orgtui job submit --seeds 3`
(orgd draws the seeds and picks the reference: the baseline of the commit the branch forked
from, or the group of its own earlier change that was kept, which is an ancestor). It follows
the group's seeds, waits for the ledger's final verdict, and acts on it alone: `better` keeps
the commit, anything else drops it (`git reset --hard HEAD~1`; the snapshot stays under
refs/orgtui/jobs/N). Every decision goes on the board with the verdict's one line.

It keeps no state of its own: on start it reads back from the ledger (its groups, each
described `agent: name=value`) and from its branch what it tried, what it kept and the best
kept mean; its plan skips the changes tried already (one assigned with `try` runs even so),
it waits for a group of its that is still being judged (it was stopped mid-experiment) and
keeps or drops that change then, and it drops an untested commit left by a stop between the
commit and the submit.

Between experiments it reads its inbox and follows assignments written there (`try
KEY=VALUE`); a message that asks for a standup file gets one written. Typed commands:
`status`, `try KEY=VALUE ...`, `pause`, `resume`, `help`; any other text is kept as a note
from the person (`<comms>/notes/<agent>.md`).

Its terminal (the screen it draws, the keys it reads) is `research/terminal.py`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import termios
import threading
import time
import tty
from collections import deque
from dataclasses import replace
from pathlib import Path

from orgtui.enums import JobKind, JobState
from orgtui.protocol.client import call
from orgtui.protocol.groups import Group, GroupDetail, GroupList, GroupShow, GroupWait
from orgtui.protocol.status import Status
from orgtui.research import knobs as K
from orgtui.research.terminal import PASTE_OFF, PASTE_ON, Screen, bar, read_input

SEEDS = 3
WAIT = 2.0
"""Seconds each `group_wait` asks for while a group is followed."""
UNDER_TEST = "Under test as a group of seeds: the ledger's verdict decides whether it stays."
HELP = ("commands: status · try KEY=VALUE [KEY=VALUE ...] · pause · resume · help · "
        "anything else is kept as a note")  # fmt: skip
TRY = re.compile(r"\btry\s+((?:[a-z_][a-z0-9_]*=\S+\s*)+)")
STANDUP_FILE = re.compile(r"(\S+\.md)\b")


class Researcher:
    def __init__(self, start: str | None, screen: Screen) -> None:
        self.agent = os.environ.get("ORGTUI_AGENT", "researcher")
        self.socket = Path(os.environ["ORGTUI_SOCKET"])
        self.comms = Path(os.environ.get("ORGTUI_COMMS", "."))
        self.tree = Path(os.environ.get("ORGTUI_WORKTREE", os.getcwd()))
        self.screen = screen
        self.space = K.load_space(self.tree / "search_space.toml")
        self.todo = deque(K.plan(self.space, start))
        self.assigned: deque[tuple[str, str]] = deque()
        self.paused = threading.Event()
        self.lock = threading.Lock()
        self.past = K.history([], self.agent, (), "minimize")  # read back by `recall`
        self.recalled = self.has_baseline = False
        self.current = "reading back what it did"
        status = call(self.socket, Status())
        self.metric, self.goal = status.metric, status.goal

    # -- the org ------------------------------------------------------------------------

    def orgtui(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True,
                              text=True, cwd=self.tree, stdin=subprocess.DEVNULL)  # fmt: skip

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(self.tree), *args], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)  # fmt: skip

    def post(self, text: str) -> None:
        self.orgtui("post", text)

    def groups(self) -> list[Group]:
        """Every group of this agent's, from the ledger."""
        found: list[Group] = []
        while True:
            after = found[-1].id if found else 0
            page = call(self.socket, GroupList(agent=self.agent, after=after), timeout=60)
            found += page.groups
            if not page.more:
                return found

    def baseline(self) -> bool:
        """Whether the org has a baseline group that ended with an ok seed (once, for good)."""
        if not self.has_baseline:
            page = call(self.socket, GroupList(kind=JobKind.BASELINE, newest=True, limit=10))
            self.has_baseline = any(
                g.state == "ended" and any(r.state == JobState.OK for r in
                                           call(self.socket, GroupShow(group=g.id)).runs)
                for g in reversed(page.groups)
            )  # fmt: skip
        return self.has_baseline

    def recall(self) -> list[Group]:
        """What it did, from the ledger and its branch: the changes tried leave the plan, and
        the best kept is its best. Its groups."""
        branch = self.git("rev-list", "--max-count=5000", "HEAD").stdout.split()
        groups = self.groups()
        self.past = K.history(groups, self.agent, set(branch), self.goal)
        with self.lock:
            self.todo = deque(c for c in self.todo if c not in self.past.tried)
        return groups

    # -- the loop -----------------------------------------------------------------------

    def work(self) -> None:
        self.screen.log(f"{self.agent}: the built-in researcher (type help for its commands)")
        program = (self.tree / "program.md").read_text().splitlines()
        self.screen.log(program[0].lstrip("# ") if program else "program.md is empty")
        self.screen.log(f"search space: {len(self.space)} knobs, {len(self.todo)} changes to try, "
                        f"from {self.todo[0][0] if self.todo else '-'}")  # fmt: skip
        while True:
            try:
                self.step()
            except Exception as e:  # orgd restarting, a file gone: said, and tried again
                self.screen.log(f"{type(e).__name__}: {e} (trying again in 5 s)")
                time.sleep(5)

    def step(self) -> None:
        """One turn: read back what it did (once), wait, or run the next experiment."""
        if not self.recalled:
            self.resume_work()
            self.recalled = True
        if self.paused.is_set():
            self.screen.set(f"paused · {self.summary()}")
            time.sleep(0.5)
            return
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
            self.current = "search space done"
            self.screen.set(f"search space done · {self.summary()}")
            time.sleep(5)
            return
        try:
            self.experiment(*change)
        except Exception as e:  # one bad experiment must not end the researcher
            self.screen.log(f"experiment {change[0]}={change[1]} failed: {e}")
            self.restore()
            self.recalled = False  # what became of it is read back, as after a restart
        self.current = "between experiments"

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
        if last and last[-1].verdict is not None and last[-1].verdict.verdict != "better":
            self.decide(last[-1])  # stopped between its verdict and the revert
        for group in self.past.unfinished:
            name, value = K.change_of(group, self.agent) or ("?", "?")
            self.current = f"{name}={value}"
            self.screen.log(f"{self.current}: group {group.id} was being judged when I stopped: "
                            "waiting for its verdict")  # fmt: skip
            self.decide(self.follow(group.id))
        self.recall()
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
        self.screen.log(f"trying {name}={value}: group {gid}, {SEEDS} seeds, against {against}")
        self.decide(self.follow(gid))
        self.recall()

    def submit(self, name: str, value: str) -> int | None:
        """`orgtui job submit --seeds 3` here, in its worktree: the group's id, or None when
        it was refused (said)."""
        proc = self.orgtui("job", "submit", "--seeds", str(SEEDS), "--json",
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

    def decide(self, group: Group) -> None:
        """Act on the ledger's verdict: `better` keeps the change's commit, anything else
        drops it (only while it is still the branch's head)."""
        name, value = K.change_of(group, self.agent) or ("?", "?")
        line = f"{name}={value} (group {group.id}): {K.said(group)}"
        if group.verdict is not None and group.verdict.verdict == "better":
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

    def commit(self, name: str, value: str) -> None:
        self.git("add", "train.py")
        message = f"{name} = {value}\n\n{UNDER_TEST}\n"
        subprocess.run(["git", "-C", str(self.tree), "commit", "-q", "-m", message], check=True,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": self.agent,
                            "GIT_AUTHOR_EMAIL": f"{self.agent}@orgtui", "GIT_COMMITTER_NAME":
                            self.agent, "GIT_COMMITTER_EMAIL": f"{self.agent}@orgtui"})  # fmt: skip

    def restore(self) -> None:
        self.git("checkout", "--", "train.py")

    def summary(self) -> str:
        best = self.past.best
        shown = f"best {best[0]:.4f} ({best[1]})" if best else "no win yet"
        return f"{len(self.past.done)} done · {shown}"

    # -- messages -----------------------------------------------------------------------

    def read_inbox(self) -> None:
        """New `try` lines in the inbox (how far it was read is kept beside it, so a
        restarted researcher does not run old assignments again)."""
        path = self.comms / "inbox" / f"{self.agent}.md"
        seen = path.with_name(f".{self.agent}.read")
        try:
            text = path.read_text()
            done = int(seen.read_text()) if seen.exists() else 0
        except (OSError, ValueError):
            return
        if len(text) < done:  # the inbox was cut or replaced: read it again
            done = 0
        for m in TRY.finditer(text[done:]):
            self.assign(m[1], "the inbox")
        seen.write_text(str(len(text)))

    def assign(self, words: str, source: str) -> None:
        names = {k.name for k in self.space} | set(
            K.read_knobs((self.tree / "train.py").read_text())
        )
        for word in words.split():
            name, _, value = word.partition("=")
            try:
                K.literal(value)
            except K.KnobError as e:
                self.screen.log(f"try {word}: {e}")
                continue
            if name not in names:
                self.screen.log(f"try {word}: no knob {name!r}")
                continue
            with self.lock:
                self.assigned.append((name, value))
            self.screen.log(f"assigned from {source}: {name}={value} (next)")

    def handle(self, text: str) -> None:
        """A line typed by a person, or a message typed in by the org."""
        text = text.strip()
        if not text:
            return
        word = text.split()[0].lower()
        if word == "help":
            self.screen.log(HELP)
        elif word == "status":
            queued = dict.fromkeys(f"{n}={v}" for n, v in [*self.assigned, *list(self.todo)[:3]])
            self.screen.log(f"now: {self.current} · {self.summary()} · next: "
                            f"{', '.join(queued) or 'nothing'}")  # fmt: skip
            for line in self.past.done[-5:]:
                self.screen.log(f"  {line}")
        elif word == "pause":
            self.paused.set()
            self.screen.log("paused: no new experiment starts (a running one finishes)")
        elif word == "resume":
            self.paused.clear()
            self.screen.log("resumed")
        elif word == "try" and TRY.search(text):
            self.assign(TRY.search(text)[1], "you")  # type: ignore[index]
        elif "standup" in text.lower() and self.standup_file(text):
            self.standup(self.standup_file(text))  # type: ignore[arg-type]
        elif text.startswith(("orgtui: job", "orgtui: group")):
            pass  # orgd's notice: the experiment loop reads the ledger already
        else:
            notes = self.comms / "notes" / f"{self.agent}.md"
            notes.parent.mkdir(parents=True, exist_ok=True)
            with notes.open("a") as f:
                f.write(f"\n## {time.strftime('%Y-%m-%d %H:%M:%S')} · a person\n\n{text}\n")
            self.screen.log(f"noted (in {notes})")

    def standup_file(self, text: str) -> Path | None:
        """The file a standup message asks for: a `.md` path naming this agent (or, failing
        that, one under a `standup` folder); never one of the repository's own files."""
        paths = [m[1] for m in STANDUP_FILE.finditer(text)]
        mine = [p for p in paths if self.agent in Path(p).name] or [
            p for p in paths if "standup" in p.lower()
        ]
        return Path(mine[0]) if mine else None

    def standup(self, path: Path) -> None:
        path = path if path.is_absolute() else self.tree / path
        path.parent.mkdir(parents=True, exist_ok=True)
        done = "; ".join(self.past.done[-5:]) or "nothing finished yet"
        with self.lock:
            upcoming = dict.fromkeys(f"{n}={v}" for n, v in [*self.assigned, *list(self.todo)[:2]])
        path.write_text(f"# {self.agent}\n\ndone: {done}\nnext: {', '.join(upcoming) or 'nothing'}"
                        f"\nnow: {self.current}\nbest: {self.summary()}"
                        "\nblocked: nothing\n")  # fmt: skip
        self.screen.log(f"standup written to {path}")


def main(start: str | None = None) -> int:
    if "ORGTUI_SOCKET" not in os.environ:
        print("orgtui agent: run it in an agent's pane of a running org (no ORGTUI_SOCKET)",
              file=sys.stderr)  # fmt: skip
        return 2
    tree = Path(os.environ.get("ORGTUI_WORKTREE", os.getcwd()))
    if not (tree / "search_space.toml").exists() or not (tree / "train.py").exists():
        print(f"orgtui agent: {tree} has no train.py and search_space.toml "
              "(make the research repo with `orgtui init DIR`)", file=sys.stderr)  # fmt: skip
        return 2
    screen = Screen(sys.stdout)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    try:
        if saved is not None:
            tty.setcbreak(fd)
        sys.stdout.write(PASTE_ON)
        researcher = Researcher(start, screen)
        researcher.restore()  # a knob set, not yet committed, by a run that was stopped
        threading.Thread(target=researcher.work, daemon=True).start()
        read_input(researcher.handle, screen)
    except KeyboardInterrupt:
        pass
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        os.write(sys.stdout.fileno(), (PASTE_OFF + "\n").encode())
    os._exit(0)  # the experiment thread may be anywhere; its work is in the ledger and git
