"""`TopBar`: the cockpit's top line. The org, how many of its agents are busy and how many wait
for a person (a question on their screen; each announced once, `announce.py`), its best
verified value and improvement (from the first promotion on), and its program branch and
folder, or who has the keyboard; or what keeps the cockpit from showing the org."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.app import App
from textual.css.query import NoMatches
from textual.markup import escape
from textual.widgets import Static

from orgtui.protocol.progress import ProgressReport
from orgtui.protocol.status import OrgStatus
from orgtui.tui.announce import ALIVE, Announcer
from orgtui.tui.sidepanel.scoreboard import best_line
from orgtui.tui.textual_private import write_to_terminal


class TopBar:
    """The text of `app`'s `#topbar` Static, for the org `org`."""

    def __init__(self, app: App[Any], org: str) -> None:
        self.app = app
        self.org = org
        self._text = ""
        self._best = ""
        self.announcer = Announcer(org, app.bell, lambda text: write_to_terminal(app, text))

    def show_status(self, status: OrgStatus, taken: str | None, escape_label: str) -> None:
        """orgd's `status`; `taken`: the agent that has the keyboard, which `escape_label`
        gives back."""
        agents = status.agents
        busy = sum(a.activity == "busy" and a.state == "running" for a in agents)
        waiting = sum(a.activity == "waiting" and a.state in ALIVE for a in agents)
        self.announcer.update(agents)
        where = f"[dim]program {status.program} · {status.workdir}[/]"
        if taken:
            where = (
                f"[reverse b] ⌨ {taken} has the keyboard [/] {escape_label} or Ctrl-] gives it back"
            )
        head = f" [b]orgtui · {self.org}[/b]  {len(agents)} agents, {busy} busy"
        if waiting:
            head += f", [b reverse yellow] {waiting} waiting for you [/]"
        best = f"[b green]{escape(self._best)}[/]  " if self._best else ""
        self._show(f"{head}  {best}{where}")

    def show_progress(self, progress: ProgressReport) -> None:
        """The org's best verified value and its improvement, shown from the next status on
        (`best val_bpb 3.7235 (−0.743, 74σ)`; nothing before the first promotion)."""
        self._best = best_line(progress)

    def show_problem(self, problem: str) -> None:
        """What keeps the cockpit from showing the org (orgd not answering, tmux gone)."""
        self._show(f" orgtui · {self.org} · [red]{problem}[/]")

    def _show(self, text: str) -> None:
        # Only a change is drawn: the status comes every second.
        if text != self._text:
            self._text = text
            with contextlib.suppress(NoMatches):  # the app is going
                self.app.query_one("#topbar", Static).update(text, layout=False)
