"""`orgtui agent`: the built-in researcher, an interactive program for an agent's pane.

It reads the program (`program.md`) and the search space (`search_space.toml`) in its
worktree, and plays its agent's role in the org file (or `--role`):

- `solo` (`research/experiment.py`): walks the search space from `--start`, one change at a
  time, each a group of 3 seeds the ledger judges; keeps a change only when the verdict is
  `better`;
- `junior` (the same loop): runs only what its inbox assigns (`try KEY=VALUE`);
- `chief` (`research/chief.py`): runs no experiment; splits the search space among the
  juniors through their inboxes, never a change twice, and promotes what the ledger calls
  `better`.

`--naive` (`research/naive.py`) gives a solo researcher the bad habits of the agents of the
original experiment (one seed, keeps whatever number is lower, bigger models included), so
the harness's verdicts and promotion can be seen to stop it.

Every role keeps its state in the org (the ledger, its branch, the inboxes), so a restarted
researcher carries on where it was. Between experiments it reads its inbox; typed commands:
`status`, `try KEY=VALUE ...`, `pause`, `resume`, `help`; any other text is kept as a note
from the person (`research/messages.py`). Its terminal (the screen it draws, the keys it
reads) is `research/terminal.py`.
"""

from __future__ import annotations

import os
import sys
import termios
import threading
import tty
from pathlib import Path

from orgtui.protocol.client import call
from orgtui.protocol.status import OrgStatus, Status
from orgtui.research.chief import Chief
from orgtui.research.experiment import Experimenter
from orgtui.research.messages import Messages
from orgtui.research.naive import Naive
from orgtui.research.terminal import PASTE_OFF, PASTE_ON, Screen, read_input

ROLES = ("solo", "chief", "junior")


def role_of(status: OrgStatus, agent: str) -> str:
    """The agent's role in the org file, as orgd runs it (`solo` for one it does not know)."""
    found = next((a.role for a in status.agents if a.name == agent), None)
    return found or os.environ.get("ORGTUI_ROLE", "solo")


def researcher(start: str | None, role: str | None, naive: bool, screen: Screen) -> Messages:
    """The researcher its role (`role`, else its agent's) and `naive` make."""
    status = call(Path(os.environ["ORGTUI_SOCKET"]), Status())
    role = role or role_of(status, os.environ.get("ORGTUI_AGENT", "researcher"))
    if naive:
        return Naive(start, screen, status)
    if role == "chief":
        return Chief(start, screen, status)
    return Experimenter(start, screen, status, role)


def main(start: str | None = None, role: str | None = None, naive: bool = False) -> int:
    if "ORGTUI_SOCKET" not in os.environ:
        print("orgtui agent: run it in an agent's pane of a running org (no ORGTUI_SOCKET)",
              file=sys.stderr)  # fmt: skip
        return 2
    if naive and role == "chief":
        print("orgtui agent: --naive runs experiments, a chief runs none", file=sys.stderr)
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
        agent = researcher(start, role, naive, screen)
        if isinstance(agent, Experimenter):
            agent.restore()  # a knob set, not yet committed, by a run that was stopped
        threading.Thread(target=agent.work, daemon=True).start()
        read_input(agent.handle, screen)
    except KeyboardInterrupt:
        pass
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        os.write(sys.stdout.fileno(), (PASTE_OFF + "\n").encode())
    os._exit(0)  # the experiment thread may be anywhere; its work is in the ledger and git
