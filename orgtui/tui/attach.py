"""Full takeover: the cockpit steps aside for a real `tmux attach` to one agent's window.

A grouped session (sharing the org session's windows) is made for this attach alone, the
agent's window is sized to the terminal (never below the agent's size), and the client runs
in the terminal until the person detaches (F12, from the org's tmux.conf, or the cockpit's
own escape chord, bound for the attach's length); then the grouped session is removed. The
org's own session and its windows are untouched.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from orgtui.tmux.server import tmux_env


def attach_window(
    socket: Path, session: str, window_id: str, min_size: tuple[int, int], escape: str = "F12"
) -> None:
    """Run the attach in this terminal; returns when the person detaches (`escape`, a tmux
    key name, or F12)."""

    def tmux(*args: str) -> None:
        subprocess.run(["tmux", "-S", str(socket), *args], env=tmux_env(), check=False)

    view = f"{session}-view-{os.getpid()}"
    cols, rows = os.get_terminal_size()
    width, height = max(cols, min_size[0]), max(rows - 1, min_size[1])  # a row for the status line
    tmux("new-session", "-d", "-t", f"={session}", "-s", view)
    tmux("select-window", "-t", f"={view}:{window_id}")
    tmux("resize-window", "-t", window_id, "-x", str(width), "-y", str(height))
    if escape != "F12":
        tmux("bind-key", "-n", escape, "detach-client")
        right = f"#[fg=colour244]{escape}: back to the grid  prefix C-g "
        tmux("set-option", "-t", view, "status-right", right)  # ("=" is not taken here)
    try:
        tmux("attach-session", "-t", f"={view}")
    finally:
        tmux("kill-session", "-t", f"={view}")
        if escape != "F12":
            tmux("unbind-key", "-n", escape)
