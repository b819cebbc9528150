"""The one error the workspace layer raises: its message is shown to the user as is."""


class WorkspaceError(Exception):
    """A git repository, branch or worktree is not as orgtui needs it.

    The message is user-facing: it names the path or branch that was wrong and, where there is
    one, the command that fixes it. `key` names the `[org]` key of the org file the problem
    comes from (`repo` or `base`), so `up` can point at its line and column.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key
