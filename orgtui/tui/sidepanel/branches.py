"""`BranchesView`: the program branch and, under it, each agent's branch: commits ahead of and
behind the program branch, whether the worktree is dirty, the last commit's age and subject.
Enter on an agent's branch opens its diff (`DiffScreen`).

git is read in a thread worker every `refresh_interval` seconds while the view is on screen;
the worker only posts `BranchesView.Updated`, which the view (and, as it bubbles, the app)
handles on the event loop.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist
from textual.worker import Worker

from orgtui.tui.sidepanel.diff_screen import DiffScreen
from orgtui.workspace.branches import BranchInfo, ProgramInfo, branch_infos

PROGRAM_ROW = ":program"
"""The program branch's row key (agent names never hold a colon)."""

_COLUMNS = (("branch", "branch"), ("+/−", "count"), ("wt", "dirty"), ("age", "age"))
_MAX_SUBJECT = 72


def format_age(then: float | None, now: float) -> str:
    """How long ago `then` was, in its largest unit: "40s ago", "3m ago", "5h ago", "2d ago"."""
    if then is None:
        return ""
    seconds = max(0, int(now - then))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _count_cell(info: BranchInfo) -> Text:
    if not info.exists:
        return Text("no branch", "dim red")
    return Text.assemble(
        (f"+{info.ahead}", "green" if info.ahead else "dim"),
        " ",
        (f"−{info.behind}", "red" if info.behind else "dim"),
    )


def _dirty_cell(dirty: bool | None) -> Text:
    if dirty is None:
        return Text("—", "dim")
    return Text("dirty", "bold yellow") if dirty else Text("clean", "dim")


def _subject_cell(subject: str) -> Text:
    short = subject if len(subject) <= _MAX_SUBJECT else subject[: _MAX_SUBJECT - 1] + "…"
    return Text(short)


def branch_rows(
    program: ProgramInfo, branches: list[BranchInfo], now: float
) -> list[tuple[str, list[Text]]]:
    """The table's rows as (row key, cells): the program branch, then each agent's branch."""
    top = [
        Text(program.branch, "bold"),
        Text("" if program.exists else "no branch", "dim red"),
        Text(""),
        Text(format_age(program.committed_at, now), "dim"),
        _subject_cell(program.subject),
    ]
    rows = [(PROGRAM_ROW, top)]
    for i, info in enumerate(branches):
        elbow = "└" if i == len(branches) - 1 else "├"
        cells = [
            Text(f"{elbow} {info.agent}"),
            _count_cell(info),
            _dirty_cell(info.dirty),
            Text(format_age(info.committed_at, now), "dim"),
            _subject_cell(info.subject),
        ]
        rows.append((info.agent, cells))
    return rows


class BranchesView(Widget):
    """The org's branches as a table; Enter on an agent's row shows its diff."""

    DEFAULT_CSS = """
    BranchesView {
        height: 1fr;
        layout: vertical;
        #branches-table { height: 1fr; }
        #branches-status {
            height: auto;
            padding: 0 1;
            color: $text-muted;
        }
        #branches-status.-error { color: $text-error; }
    }
    """

    BINDINGS = [Binding("r", "update_now", "Refresh", tooltip="Read the branches again now")]

    class Updated(Message):
        """A fresh reading of the branches (or why there is none: `error`)."""

        def __init__(
            self,
            view: BranchesView,
            program: ProgramInfo | None,
            branches: list[BranchInfo],
            error: str | None = None,
        ) -> None:
            super().__init__()
            self.view = view
            self.program = program
            self.branches = branches
            self.error = error

        @property
        def control(self) -> BranchesView:
            return self.view

    def __init__(
        self,
        repo: Path,
        program: str,
        agents: list[tuple[str, Path]],
        *,
        refresh_interval: float = 3.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.repo = Path(repo)
        self.program = program
        self._agents = list(agents)
        self._refresh_interval = refresh_interval
        self._collector: Worker[None] | None = None
        self.program_info: ProgramInfo | None = None
        """The program branch as last read; None before the first reading."""
        self.branches: list[BranchInfo] = []
        """The agents' branches as last read."""

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", id="branches-table")
        for label, key in _COLUMNS:
            table.add_column(label, key=key)
        table.add_column("last commit", key="subject")
        yield table
        yield Static("reading branches…", id="branches-status")

    def on_mount(self) -> None:
        self.update_now()
        self.set_interval(self._refresh_interval, self._tick)

    def set_agents(self, agents: list[tuple[str, Path]]) -> None:
        """Change the agents (name, worktree) shown; read again at once."""
        self._agents = list(agents)
        self.update_now()

    def action_update_now(self) -> None:
        self.update_now()

    def update_now(self) -> None:
        """Read the branches in a thread now, unless a reading is under way."""
        if self._collector is not None and self._collector.is_running:
            return
        agents = list(self._agents)
        self._collector = self.run_worker(
            lambda: self._collect(agents), thread=True, group="branches", exit_on_error=False
        )

    def _collect(self, agents: list[tuple[str, Path]]) -> None:
        try:
            program, branches = branch_infos(self.repo, self.program, agents)
        except Exception as e:  # git's trouble is shown in the view, never a crash
            self.post_message(self.Updated(self, None, [], error=f"cannot read branches: {e}"))
            return
        self.post_message(self.Updated(self, program, branches))

    def _tick(self) -> None:
        if self.is_attached and self.screen.is_current and self.region.area > 0:
            self.update_now()

    def on_show(self) -> None:
        self.update_now()

    def on_branches_view_updated(self, event: BranchesView.Updated) -> None:
        if event.view is not self:
            return
        status = self.query_one("#branches-status", Static)
        status.set_class(event.error is not None, "-error")
        if event.error is not None or event.program is None:
            status.update(Text(event.error or "no branches"))
            return
        self.program_info, self.branches = event.program, event.branches
        self._fill(branch_rows(event.program, event.branches, time.time()))
        status.update(Text(f"Enter: diff against {self.program} · r: refresh"))

    def _fill(self, rows: list[tuple[str, list[Text]]]) -> None:
        table: DataTable[Text] = self.query_one("#branches-table", DataTable)
        keys = [key for key, _ in rows]
        if keys == [row.key.value for row in table.ordered_rows]:
            columns = [column.key for column in table.ordered_columns]
            for key, cells in rows:
                for column, cell in zip(columns, cells, strict=True):
                    table.update_cell(key, column, cell, update_width=True)
            return
        try:
            current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            current = None
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if current in keys:
            table.move_cursor(row=keys.index(current))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        info = next((b for b in self.branches if b.agent == key), None)
        if info is None:
            self.notify("Choose an agent's branch to see its diff.", title="branches")
        elif not info.exists:
            self.notify(f"{info.branch} does not exist yet.", title="branches", severity="warning")
        else:
            self.app.push_screen(DiffScreen(self.repo, self.program, info.branch, info.worktree))
