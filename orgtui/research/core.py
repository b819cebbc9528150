"""What every role of the built-in researcher shares: who it is and where (from its pane's
environment), the search space in its worktree, the org's metric, the commands it runs
(`orgtui ...` and `git`, in its worktree, reading no terminal), the ledger's groups, and a
loop that takes one turn at a time and survives a turn that fails (orgd restarting, a file
gone: said, and tried again)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from orgtui.enums import JobKind, JobState
from orgtui.protocol.client import call
from orgtui.protocol.groups import Group, GroupList, GroupShow
from orgtui.protocol.status import OrgStatus
from orgtui.research import knobs as K
from orgtui.research.terminal import Screen


class Core:
    """One built-in researcher in an agent's pane; `step` is one turn of its role."""

    role = "solo"

    def __init__(self, screen: Screen, status: OrgStatus) -> None:
        self.agent = os.environ.get("ORGTUI_AGENT", "researcher")
        self.socket = Path(os.environ["ORGTUI_SOCKET"])
        self.comms = Path(os.environ.get("ORGTUI_COMMS", "."))
        self.tree = Path(os.environ.get("ORGTUI_WORKTREE", os.getcwd()))
        self.screen = screen
        self.space = K.load_space(self.tree / "search_space.toml")
        self.paused = threading.Event()
        self.lock = threading.Lock()
        self.has_baseline = False
        self.current = "reading back what it did"
        self.metric, self.goal = status.metric, status.goal

    # -- the org ------------------------------------------------------------------------

    def orgtui(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orgtui", *args], capture_output=True,
                              text=True, cwd=self.tree, stdin=subprocess.DEVNULL)  # fmt: skip

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(self.tree), *args], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)  # fmt: skip

    def post(self, text: str, to: str | None = None) -> bool:
        """A post on the board, or in agent `to`'s inbox; whether orgd took it (if not, said)."""
        proc = self.orgtui("post", *(["--to", to] if to else []), text)
        if proc.returncode != 0:
            self.screen.log(f"orgtui post: {(proc.stderr or proc.stdout).strip()}")
        return proc.returncode == 0

    def groups(self, agent: str | None = None, kind: JobKind | None = None,
               after: int = 0) -> list[Group]:  # fmt: skip
        """The ledger's groups past id `after` (an agent's, one kind's), in id order."""
        found: list[Group] = []
        while True:
            last = found[-1].id if found else after
            page = call(self.socket, GroupList(agent=agent, kind=kind, after=last), timeout=60)
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

    # -- the loop -----------------------------------------------------------------------

    def work(self) -> None:
        self.intro()
        while True:
            try:
                self.step()
            except Exception as e:  # orgd restarting, a file gone: said, and tried again
                self.screen.log(f"{type(e).__name__}: {e} (trying again in 5 s)")
                time.sleep(5)

    def intro(self) -> None:
        """What it says as it starts."""
        role = "" if self.role == "solo" else f", {self.role}"
        self.screen.log(f"{self.agent}: the built-in researcher{role} (type help for its "
                        "commands)")  # fmt: skip
        program = (self.tree / "program.md").read_text().splitlines()
        self.screen.log(program[0].lstrip("# ") if program else "program.md is empty")

    def step(self) -> None:
        """One turn of its role."""
        raise NotImplementedError

    def summary(self) -> str:
        """Its state in a few words, for its last line."""
        raise NotImplementedError
