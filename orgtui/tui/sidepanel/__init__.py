"""The cockpit's side panel: the org's comms (a tree of the comms files, the selected one as
live Markdown, unread marks, a compose box) and its branches (ahead/behind the program branch,
dirty worktrees, each branch's diff)."""

from orgtui.tui.sidepanel.branches import BranchesView
from orgtui.tui.sidepanel.comms import CommsView, PostFn, orgd_poster
from orgtui.tui.sidepanel.diff_screen import DiffScreen
from orgtui.tui.sidepanel.panel import SECTIONS, Section, SidePanel

__all__ = [
    "SECTIONS",
    "BranchesView",
    "CommsView",
    "DiffScreen",
    "PostFn",
    "Section",
    "SidePanel",
    "orgd_poster",
]
