"""An asyncio control-mode client (`tmux -C`) on an org's server.

One command per line; replies are the `%begin ... %end/%error` blocks whose flags are 1 (sent
by this client), matched in order, each `%end` repeating its `%begin` header. Notifications
(lines starting with `%` outside a block) go to an optional callback. orgd attaches with
`no-output` so tmux never streams pane output to it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from pathlib import Path

from orgtui.tmux.quoting import command_line
from orgtui.tmux.server import TmuxError, tmux_env


class ControlClient:
    """A control-mode client attached to one session."""

    def __init__(self, proc: asyncio.subprocess.Process, on_notice: Callable[[str], None] | None):
        self._proc = proc
        self._pending: deque[asyncio.Future[list[str]]] = deque()
        self._on_notice = on_notice
        self._lock = asyncio.Lock()
        self.closed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def attach(
        cls,
        socket: Path,
        session: str,
        flags: str = "no-output,ignore-size",
        on_notice: Callable[[str], None] | None = None,
    ) -> ControlClient:
        proc = await asyncio.create_subprocess_exec(
            "tmux", "-S", str(socket), "-C", "attach-session", "-t", f"={session}", "-f", flags,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=tmux_env(),
            limit=1 << 22,
        )  # fmt: skip
        return cls(proc, on_notice)

    async def command(self, *args: str, timeout: float = 10.0) -> list[str]:
        """Run one tmux command with every argument quoted; its output lines."""
        return await self.line(command_line(*args), timeout=timeout)

    async def line(self, line: str, timeout: float = 10.0) -> list[str]:
        """Run one already-quoted command line; its output lines, or TmuxError."""
        if self.closed.is_set():
            raise TmuxError("the control client is gone (tmux server stopped?)")
        fut: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        assert self._proc.stdin is not None
        async with self._lock:
            # Queue and write under one lock so replies stay in the order of the futures.
            self._pending.append(fut)
            self._proc.stdin.write(line.encode() + b"\n")
        return await asyncio.wait_for(fut, timeout)

    async def _read(self) -> None:
        assert self._proc.stdout is not None
        block: list[str] | None = None
        header = ""
        try:
            while raw := await self._proc.stdout.readline():
                text = raw.decode(errors="replace").rstrip("\n")
                if block is not None:
                    if text in (f"%end {header}", f"%error {header}"):
                        fut = self._pending.popleft() if self._pending else None
                        if fut and not fut.done():
                            if text.startswith("%error"):
                                fut.set_exception(TmuxError("; ".join(block) or "tmux error"))
                            else:
                                fut.set_result(block)
                        block = None
                    else:
                        block.append(text)
                elif text.startswith("%begin "):
                    header = text[len("%begin ") :]
                    # Only flags 1 blocks answer our commands; attach sends one of its own.
                    block = [] if header.endswith(" 1") else None
                    if block is None:
                        await self._skip_block(header)
                elif text.startswith("%") and self._on_notice:
                    self._on_notice(text)
        finally:
            self.closed.set()
            while self._pending:
                fut = self._pending.popleft()
                if not fut.done():
                    fut.set_exception(TmuxError("the control client closed"))

    async def _skip_block(self, header: str) -> None:
        assert self._proc.stdout is not None
        while raw := await self._proc.stdout.readline():
            text = raw.decode(errors="replace").rstrip("\n")
            if text in (f"%end {header}", f"%error {header}"):
                return

    async def close(self) -> None:
        if self._proc.returncode is None:
            if self._proc.stdin:
                self._proc.stdin.close()
            try:
                await asyncio.wait_for(self._proc.wait(), 2)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        self._reader.cancel()
