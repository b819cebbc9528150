"""`DiffScreen`: one agent's branch against the program branch, full screen, coloured and
scrollable: the committed changes (`git diff program...branch`), then the worktree's
uncommitted changes and untracked files (see `orgtui.workspace.branches.branch_diff`).
Escape (or q) closes it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from orgtui.workspace.branches import branch_diff

MAX_LINES = 20_000
"""A longer diff shows its first lines and says how many were left out."""


def styled_diff(text: str, max_lines: int = MAX_LINES) -> Text:
    """`text` (as `branch_diff` writes it) coloured line by line, at most `max_lines` lines."""
    lines = text.splitlines()
    out = Text(no_wrap=True)
    for line in lines[:max_lines]:
        out.append(line + "\n", _line_style(line))
    if len(lines) > max_lines:
        out.append(f"# … {len(lines) - max_lines} more lines not shown\n", "bold magenta")
    return out


def _line_style(line: str) -> str:
    if line.startswith("# "):
        return "bold magenta"
    if line.startswith(("diff --git", "+++ ", "--- ")):
        return "bold"
    if line.startswith(("index ", "new file", "deleted file", "similarity", "rename ")):
        return "dim"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""


class DiffScreen(Screen[None]):
    """The diff of `branch` against `program`, computed in a thread when the screen opens."""

    DEFAULT_CSS = """
    DiffScreen {
        #diff-title {
            height: 1;
            padding: 0 1;
            background: $panel;
            text-style: bold;
        }
        #diff-log { height: 1fr; }
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    class Loaded(Message):
        """The diff's text, from the worker that computed it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, repo: Path, program: str, branch: str, worktree: Path | None) -> None:
        super().__init__()
        self.repo = Path(repo)
        self.program = program
        self.branch = branch
        self.worktree = worktree
        self.diff_text: str | None = None
        """The diff shown, once computed."""

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.program}...{self.branch}"), id="diff-title")
        yield RichLog(id="diff-log", wrap=False, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        log.write(Text("computing the diff…", "dim"))
        log.focus()
        self.run_worker(self._compute, thread=True, exit_on_error=False)

    def _compute(self) -> None:
        try:
            text = branch_diff(self.repo, self.program, self.branch, self.worktree)
        except Exception as e:  # shown on the screen rather than lost with the thread
            text = f"# cannot compute the diff: {e}\n"
        self.post_message(self.Loaded(text))

    def on_diff_screen_loaded(self, event: DiffScreen.Loaded) -> None:
        self.diff_text = event.text
        log = self.query_one(RichLog)
        log.clear()
        log.write(styled_diff(event.text), shrink=False, scroll_end=False)
        log.scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss()
