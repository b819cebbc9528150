"""The cockpit's side panel: the org's comms (a tree of the comms files, the selected one as
live Markdown, unread marks, a compose box), its branches (ahead/behind the program branch,
dirty worktrees, each branch's diff), its jobs, its progress and its org file."""

from orgtui.tui.sidepanel.branches import BranchesView
from orgtui.tui.sidepanel.comms import CommsView, PostFn, orgd_poster
from orgtui.tui.sidepanel.diff_screen import DiffScreen
from orgtui.tui.sidepanel.panel import SECTIONS, Section, SidePanel
from orgtui.tui.sidepanel.progress import ProgressView

__all__ = [
    "SECTIONS",
    "BranchesView",
    "CommsView",
    "DiffScreen",
    "PostFn",
    "ProgressView",
    "Section",
    "SidePanel",
    "orgd_poster",
]
