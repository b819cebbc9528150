"""`orgtui agent`: the built-in researcher, an interactive program for an agent's pane.

It reads the program (`program.md`) and the search space (`search_space.toml`) in its
worktree, waits for the org's baseline (the latest group of `baseline` jobs, all ended),
then tries one change at a time: a knob set in train.py, two seeds, each through
`orgtui job submit --wait --kind experiment --baseline ID`. It keeps a change (commits it on
its branch, the results in the message) only when `knobs.verdict` says it won, and reverts
it otherwise; every finding goes on the board. Between experiments it reads its inbox and
follows assignments written there (`try KEY=VALUE`); a message that asks for a standup
file gets one written. Typed commands: `status`, `try KEY=VALUE ...`, `pause`, `resume`,
`help`; any other text is kept as a note from the person (`<comms>/notes/<agent>.md`).

Its terminal (the screen it draws, the keys it reads) is `research/terminal.py`.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import termios
import threading
import time
import tty
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from orgtui.enums import JobKind, JobState
from orgtui.protocol.client import call
from orgtui.protocol.jobs import Job, JobList, JobShow
from orgtui.protocol.status import Status
from orgtui.research import knobs as K
from orgtui.research.terminal import PASTE_OFF, PASTE_ON, Screen, bar, read_input

SEEDS = (1, 2)
HELP = ("commands: status · try KEY=VALUE [KEY=VALUE ...] · pause · resume · help · "
        "anything else is kept as a note")  # fmt: skip
TRY = re.compile(r"\btry\s+((?:[a-z_][a-z0-9_]*=\S+\s*)+)")
PROGRESS = re.compile(r"\((\d+(?:\.\d+)?)%\)")
STANDUP_FILE = re.compile(r"(\S+\.md)\b")


@dataclass(frozen=True)
class Baseline:
    """A baseline group whose seeds all ended: its first job's id, the metric's values of its
    `ok` seeds, its commit, and the FLOPs an experiment may spend against it."""

    id: int
    values: list[float]
    commit: str
    flops: float


def latest_baseline(jobs: list[Job], metric: str) -> Baseline | None:
    """The latest baseline group among `jobs` whose seeds all ended, with 2 values or more."""
    groups: dict[int, list[Job]] = {}
    for j in jobs:
        groups.setdefault(j.group, []).append(j)
    for group in sorted(groups, reverse=True):
        seeds = groups[group]
        if not all(j.state.ended for j in seeds):
            continue
        values = [j.metrics[metric] for j in seeds
                  if j.state == JobState.OK and metric in j.metrics]  # fmt: skip
        if len(values) >= 2:
            flops = max(j.compute.flops or 0 for j in seeds)
            steps = min((j.metrics.get("num_steps") or 0 for j in seeds), default=0)
            return Baseline(group, values, seeds[0].commit, K.compute_allowed(flops, steps))
    return None


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
        self.best: tuple[float, str] | None = None  # mean, the change
        self.done: list[str] = []
        self.current = "waiting for the baseline"
        status = call(self.socket, Status())
        self.metric, self.goal = status.metric, status.goal

    # -- the org ------------------------------------------------------------------------

    def orgtui(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True,
                              text=True, cwd=self.tree)  # fmt: skip

    def post(self, text: str) -> None:
        self.orgtui("post", text)

    def baseline(self) -> Baseline | None:
        """The latest baseline whose seeds all ended, or None."""
        request = JobList(kind=JobKind.BASELINE, newest=True, limit=60)
        return latest_baseline(call(self.socket, request).jobs, self.metric)

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
        """One turn: wait, or run the next experiment."""
        if self.paused.is_set():
            self.screen.set(f"paused · {self.summary()}")
            time.sleep(0.5)
            return
        self.read_inbox()
        base = self.baseline()
        if base is None:
            self.screen.set(f"waiting for the baseline · {self.summary()}")
            time.sleep(2)
            return
        with self.lock:
            change = self.assigned.popleft() if self.assigned else None
            if change is None and self.todo:
                change = self.todo.popleft()
        if change is None:
            self.screen.set(f"search space done · {self.summary()}")
            time.sleep(5)
            return
        try:
            self.experiment(*change, base)
        except Exception as e:  # one bad experiment must not end the researcher
            self.screen.log(f"experiment {change[0]}={change[1]} failed: {e}")
            self.restore()

    def experiment(self, name: str, value: str, base: Baseline) -> None:
        train = self.tree / "train.py"
        text = train.read_text()
        if K.read_knobs(text).get(name) == value:
            self.screen.log(f"{name}={value}: already so, skipped")
            return
        train.write_text(K.set_knob(text, name, value))
        self.current = f"{name}={value}"
        self.screen.log(f"trying {name}={value} against baseline {base.id} "
                        f"({self.metric} {statistics.mean(base.values):.4f})")  # fmt: skip
        runs, flops, jobs = [], 0.0, []
        for seed in SEEDS:
            job = self.submit(name, value, seed, base.id)
            if job is None:
                break
            jobs.append(job.id)
            if job.state == JobState.OK and self.metric in job.metrics:
                runs.append(job.metrics[self.metric])
                flops = max(flops, job.compute.flops or 0)
            else:
                self.screen.log(f"job {job.id} ended {job.state}: {job.reason}")
                break
        best = self.best[0] if self.best else None
        v = K.verdict(base.values, base.flops, runs if len(runs) == len(SEEDS) else [],
                      flops, self.goal, best)  # fmt: skip
        summary = f"{name}={value} ({len(runs)} seeds, jobs {', '.join(map(str, jobs))}): {v.why}"
        if v.win:
            mean = statistics.mean(runs)
            self.commit(name, value, summary)
            self.best = (mean, f"{name}={value}")
            self.post(f"WIN, kept on my branch: {summary}")
            self.screen.log(f"WIN: {summary}")
        else:
            train.write_text(text)
            self.post(f"no win, reverted: {summary}")
            self.screen.log(f"no win: {summary}")
        self.done.append(f"{name}={value}: {'win' if v.win else 'no win'}")
        self.current = "between experiments"

    def submit(self, name: str, value: str, seed: int, baseline: int) -> Job | None:
        args = ["job", "submit", "--wait", "--kind", JobKind.EXPERIMENT, "--baseline", str(baseline),
                "--seed", str(seed), "--name", f"{name}={value} seed {seed}",
                "--description", f"{self.agent}: {name}={value}, seed {seed}"]  # fmt: skip
        proc = subprocess.Popen([sys.executable, "-m", "orgtui", *args], cwd=self.tree,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        if not first.isdigit():
            self.screen.log(f"job submit refused: {first} {proc.stdout.read().strip()}")
            proc.wait()
            return None
        job = int(first)
        self.screen.set(f"{self.current} seed {seed} · job {job} waiting for a device · "
                        f"{self.summary()}")  # fmt: skip
        for line in proc.stdout:
            m = PROGRESS.search(line)
            if m:
                pct = float(m[1])
                self.screen.set(f"{self.current} seed {seed} · job {job} {bar(pct / 100)} "
                                f"{pct:.0f}% · {self.summary()}")  # fmt: skip
        proc.wait()
        return call(self.socket, JobShow(job=job))

    def commit(self, name: str, value: str, summary: str) -> None:
        subprocess.run(["git", "-C", str(self.tree), "add", "train.py"], check=True)
        message = f"{name} = {value}\n\n{summary}\n"
        subprocess.run(["git", "-C", str(self.tree), "commit", "-q", "-m", message], check=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": self.agent,
                            "GIT_AUTHOR_EMAIL": f"{self.agent}@orgtui",
                            "GIT_COMMITTER_NAME": self.agent,
                            "GIT_COMMITTER_EMAIL": f"{self.agent}@orgtui"})  # fmt: skip

    def restore(self) -> None:
        subprocess.run(["git", "-C", str(self.tree), "checkout", "--", "train.py"],
                       capture_output=True)  # fmt: skip

    def summary(self) -> str:
        best = f"best {self.best[0]:.4f} ({self.best[1]})" if self.best else "no win yet"
        return f"{len(self.done)} done · {best}"

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
            queued = [f"{n}={v}" for n, v in list(self.assigned) + list(self.todo)[:3]]
            self.screen.log(f"now: {self.current} · {self.summary()} · next: "
                            f"{', '.join(queued) or 'nothing'}")  # fmt: skip
            for line in self.done[-5:]:
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
        elif text.startswith("orgtui: job"):
            pass  # a job's notice: the experiment loop reads its result already
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
        done = "; ".join(self.done[-5:]) or "nothing finished yet"
        with self.lock:
            upcoming = [f"{n}={v}" for n, v in list(self.assigned) + list(self.todo)[:2]]
        path.write_text(f"# {self.agent}\n\ndone: {done}\nnext: {', '.join(upcoming) or 'nothing'}"
                        f"\nnow: {self.current}\nbest: {self.summary()}\nblocked: nothing\n")  # fmt: skip
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
        researcher.restore()  # a knob left set by a run that was stopped mid-experiment
        threading.Thread(target=researcher.work, daemon=True).start()
        read_input(researcher.handle, screen)
    except KeyboardInterrupt:
        pass
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        sys.stdout.write(PASTE_OFF + "\n")
    return 0
