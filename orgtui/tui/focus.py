"""The front pane's own output stream.

The cockpit links the front (focused or taken-over) pane's window into a session of its own,
which holds that one window, and attaches a control client to it that streams the output of
that window alone: the front pane's changes arrive at once, whatever the other panes print,
and the front pane's captures go through the same client, so its replies and the pane's
output arrive in the order tmux saw them (see `vt.py`). The session is named
`<org>-focus-<pid>`; ones left by a cockpit that died are removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from orgtui.control import procs
from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxError


class FocusStream:
    """A one-window session following the front pane, and a client streaming its output."""

    def __init__(
        self,
        socket: Path,
        org: str,
        commands: ControlClient,
        on_output: Callable[[str, bytes], None],
    ) -> None:
        self.socket = socket
        self.org = org
        self.commands = commands
        self.name = f"{org}-focus-{os.getpid()}"
        self.on_output = on_output
        self.window_id: str | None = None  # the window streamed now
        self.client: ControlClient | None = None
        self._wanted: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def reap_stale(self) -> None:
        """Remove the focus sessions of cockpits that are gone."""
        with contextlib.suppress(TmuxError):
            for name in await self.commands.command("list-sessions", "-F", "#{session_name}"):
                prefix, _, pid = name.rpartition("-focus-")
                if prefix == self.org and pid.isdigit() and not procs.alive({int(pid)}):
                    await self._kill_session(name)

    def follow(self, window_id: str | None) -> None:
        """Stream `window_id`'s output from now on (None: nothing)."""
        self._wanted = window_id
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._follow())

    def client_for(self, window_id: str | None) -> ControlClient | None:
        """The streaming client, if it streams `window_id`."""
        if window_id is not None and window_id == self.window_id and self.client:
            return None if self.client.closed.is_set() else self.client
        return None

    async def _follow(self) -> None:
        while self._wanted != self.window_id:
            window_id = self._wanted
            await self._stop()
            if window_id is None:
                return
            try:
                holder = await self.commands.command(
                    "new-session", "-d", "-P", "-F", "#{window_id}", "-s", self.name,
                    "--", "sleep", "86400",
                )  # fmt: skip
                await self.commands.command(
                    "link-window", "-d", "-s", window_id, "-t", f"={self.name}:"
                )
                await self.commands.command("kill-window", "-t", holder[0])
                self.client = await ControlClient.attach(
                    self.socket, self.name, flags="ignore-size", on_output=self.on_output
                )
            except (TmuxError, TimeoutError, OSError, IndexError):
                await self._stop()
                return  # the window or the server went away: the next map follows again
            self.window_id = window_id

    async def _stop(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None
        self.window_id = None
        await self._kill_session(self.name)

    async def _kill_session(self, name: str) -> None:
        with contextlib.suppress(TmuxError, TimeoutError):
            await self.commands.command("kill-session", "-t", f"={name}")

    async def close(self) -> None:
        self._wanted = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(TmuxError, TimeoutError):
            await self._stop()
