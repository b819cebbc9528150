"""The front pane's own output stream.

Under heavy output from other panes, tmux's output to a control client queues, and a change
in the pane a person is typing into would wait behind it. So the cockpit links the front
(focused or taken-over) pane's window into a session of its own, which holds that one window,
and streams that session's output on a second control client: the front pane's changes
arrive at once. The session is named `<org>-focus-<pid>`; ones left by a cockpit that died
are removed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from orgtui.daemon import procs
from orgtui.tmux.server import TmuxError, TmuxServer
from orgtui.tmux.watch import OutputWatcher


class FocusStream:
    """A one-window session following the front pane, and a client streaming its output."""

    def __init__(self, socket: Path, org: str, on_dirty: Callable[[], None]) -> None:
        self.tmux = TmuxServer(socket)
        self.socket = socket
        self.org = org
        self.name = f"{org}-focus-{os.getpid()}"
        self.on_dirty = on_dirty
        self.window_id: str | None = None
        self.stream: OutputWatcher | None = None
        self._reap_stale()

    def _reap_stale(self) -> None:
        with contextlib.suppress(TmuxError):
            for name in self.tmux.run("list-sessions", "-F", "#{session_name}").split():
                prefix, _, pid = name.rpartition("-focus-")
                if prefix == self.org and pid.isdigit() and not procs.alive({int(pid)}):
                    self.tmux.run("kill-session", "-t", f"={name}", check=False)

    def follow(self, window_id: str | None) -> None:
        """Stream `window_id`'s output (None: nothing)."""
        if window_id == self.window_id:
            return
        self.close()
        self.window_id = window_id
        if window_id is None:
            return
        try:
            holder = self.tmux.run(
                "new-session",
                "-d",
                "-P",
                "-F",
                "#{window_id}",
                "-s",
                self.name,
                "--",
                "sleep",
                "86400",
            ).strip()
            self.tmux.run("link-window", "-d", "-s", window_id, "-t", f"={self.name}:")
            self.tmux.run("kill-window", "-t", holder)
        except TmuxError:
            self.close()
            return
        self.stream = OutputWatcher(self.socket, self.name, on_dirty=self.on_dirty)

    def take_dirty(self) -> set[str]:
        return self.stream.take_dirty() if self.stream else set()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        self.tmux.run("kill-session", "-t", f"={self.name}", check=False)
        self.window_id = None
