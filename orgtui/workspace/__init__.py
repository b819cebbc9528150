"""The git workspace of an org: the program branch, one branch and one worktree per agent.

Every git operation runs the git command line (see `gitcli`), which is both what worktrees
need and faster to start than importing GitPython in each short-lived CLI call.
"""

from orgtui.workspace.errors import WorkspaceError
from orgtui.workspace.repo import (
    agent_branch,
    branch_exists,
    check_repo,
    ensure_excluded,
    ensure_program,
)
from orgtui.workspace.worktrees import (
    AgentWorkspace,
    RegisteredWorktree,
    branch_of,
    ensure_agent,
    is_dirty,
    list_worktrees,
    remove_worktrees,
    unsaved_work,
    worktree_path,
)

__all__ = [
    "AgentWorkspace",
    "RegisteredWorktree",
    "WorkspaceError",
    "agent_branch",
    "branch_exists",
    "branch_of",
    "check_repo",
    "ensure_agent",
    "ensure_excluded",
    "ensure_program",
    "is_dirty",
    "list_worktrees",
    "remove_worktrees",
    "unsaved_work",
    "worktree_path",
]
