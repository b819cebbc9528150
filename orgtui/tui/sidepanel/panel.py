"""`SidePanel`: the cockpit's side panel, five sections in tabs: *Comms* (`CommsView`),
*Branches* (`BranchesView`), *Jobs* (`JobsView`), *Progress* (`ProgressView`: the best
verified value over time, the score, the leaderboard) and *Org* (`OrgView`: the org file and
the rituals). The app places it, toggles it, binds the keys that switch sections (through
`show_section`) and feeds the Jobs, Progress and Org sections; the Comms tab counts the unread
files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, TabbedContent, TabPane

from orgtui.tui.sidepanel.branches import BranchesView
from orgtui.tui.sidepanel.comms import CommsTree, CommsView, PostFn
from orgtui.tui.sidepanel.jobs import JobsView
from orgtui.tui.sidepanel.org import OrgView
from orgtui.tui.sidepanel.progress import ProgressView

Section = Literal["comms", "branches", "jobs", "progress", "org"]
SECTIONS: tuple[Section, ...] = ("comms", "branches", "jobs", "progress", "org")


class SidePanel(Widget):
    """The comms and the branches of an org, one section shown at a time.

    `agents` are (agent name, worktree path). `post(to, text)` posts to the board (`to` None)
    or to agent `to`'s inbox (see `orgd_poster`); the panel never writes comms files itself.
    """

    DEFAULT_CSS = """
    SidePanel {
        width: 60;
        height: 1fr;
        border-left: vkey $panel-lighten-2;
        & > TabbedContent { height: 1fr; }
        & > TabbedContent > ContentSwitcher { height: 1fr; }
        & TabPane { height: 1fr; padding: 0; }
    }
    """

    def __init__(
        self,
        comms_dir: Path,
        repo: Path,
        program: str,
        agents: list[tuple[str, Path]],
        post: PostFn,
        *,
        comms_poll: float = 1.0,
        branches_refresh: float = 3.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._comms = CommsView(
            comms_dir, [a for a, _ in agents], post, poll_interval=comms_poll, id="comms-view"
        )
        self._branches = BranchesView(
            repo, program, agents, refresh_interval=branches_refresh, id="branches-view"
        )
        self._jobs = JobsView(id="jobs-view")
        self._progress = ProgressView(id="progress-view")
        self._org = OrgView(id="org-view")

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="side-comms"):
            with TabPane("Comms", id="side-comms"):
                yield self._comms
            with TabPane("Branches", id="side-branches"):
                yield self._branches
            with TabPane("Jobs", id="side-jobs"):
                yield self._jobs
            with TabPane("Progress", id="side-progress"):
                yield self._progress
            with TabPane("Org", id="side-org"):
                yield self._org

    @property
    def comms(self) -> CommsView:
        return self._comms

    @property
    def branches(self) -> BranchesView:
        return self._branches

    @property
    def jobs(self) -> JobsView:
        return self._jobs

    @property
    def progress(self) -> ProgressView:
        return self._progress

    @property
    def org(self) -> OrgView:
        return self._org

    @property
    def section(self) -> Section:
        """The section shown."""
        active = self.query_one(TabbedContent).active
        sections = {"side-branches": "branches", "side-jobs": "jobs",
                    "side-progress": "progress", "side-org": "org"}  # fmt: skip
        return sections.get(active, "comms")  # type: ignore[return-value]

    def show_section(self, name: Section, focus: bool = True) -> None:
        """Show the section `name` and, with `focus`, focus it (its list)."""
        if name not in SECTIONS:
            raise ValueError(f"no section {name!r}; the sections are {', '.join(SECTIONS)}")
        self.query_one(TabbedContent).active = f"side-{name}"
        if focus:
            targets: dict[str, Widget] = {
                "comms": self._comms.query_one(CommsTree),
                "branches": self._branches.query_one(DataTable),
                "jobs": self._jobs,
                "progress": self._progress,
                "org": self._org,
            }
            targets[name].focus()

    def set_agents(self, agents: list[tuple[str, Path]]) -> None:
        """Change the org's agents (after a reload of the org file)."""
        self._comms.set_agents([a for a, _ in agents])
        self._branches.set_agents(agents)

    def on_comms_view_unread_changed(self, event: CommsView.UnreadChanged) -> None:
        tab = self.query_one(TabbedContent).get_tab("side-comms")
        tab.label = f"Comms ● {event.count}" if event.count else "Comms"
