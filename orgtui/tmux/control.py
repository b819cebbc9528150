"""An asyncio control-mode client (`tmux -C`) on an org's server.

One command per line (or a few joined with ` ; `, which tmux runs at once and answers with a
block each); replies are the `%begin ... %end/%error` blocks whose flags are 1 (sent by this
client), matched in order, each `%end` repeating its `%begin` header. Notifications (lines
starting with `%` outside a block) go to an optional callback, and `%output` lines, when the
client was attached without `no-output`, to another: tmux writes a pane's output and its
replies in one order, the order in which it read the one and ran the other. orgd attaches with
`no-output` so tmux never streams pane output to it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from orgtui.tmux.quoting import command_line
from orgtui.tmux.server import TmuxError, tmux_env


class Reply(list[str]):
    """A command's output lines, and how many `%output` lines the client had read before it."""

    mark = 0


class ControlClient:
    """A control-mode client attached to one session."""

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        on_notice: Callable[[str], None] | None,
        on_output: Callable[[str, bytes], None] | None = None,
    ):
        self._proc = proc
        # Each command's future, and how many more commands of its line follow it: tmux
        # skips the rest of a line after a command fails, so they get no reply of their own.
        self._pending: deque[tuple[asyncio.Future[list[str]], int]] = deque()
        self._on_notice = on_notice
        self._on_output = on_output
        self._block: Reply | None = None  # the reply being read
        self.outputs = 0  # `%output` lines read so far
        self._mine = False  # ... answers one of our commands
        self._header = ""
        self.closed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def attach(
        cls,
        socket: Path,
        session: str,
        flags: str = "no-output,ignore-size",
        on_notice: Callable[[str], None] | None = None,
        on_output: Callable[[str, bytes], None] | None = None,
    ) -> ControlClient:
        """Attach to `session`; `on_output(pane_id, data)` gets each `%output` line's data,
        still escaped as tmux writes it."""
        proc = await asyncio.create_subprocess_exec(
            "tmux", "-S", str(socket), "-C", "attach-session", "-t", f"={session}", "-f", flags,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=tmux_env(),
        )  # fmt: skip
        return cls(proc, on_notice, on_output)

    async def command(self, *args: str, timeout: float = 10.0) -> list[str]:
        """Run one tmux command with every argument quoted; its output lines."""
        return await self.line(command_line(*args), timeout=timeout)

    async def line(self, line: str, timeout: float = 10.0) -> list[str]:
        """Run one already-quoted command line; its output lines, or TmuxError."""
        return (await self._send(line, 1, timeout))[0]

    async def commands(self, *argvs: Sequence[str], timeout: float = 10.0) -> list[list[str]]:
        """Run commands at once (one line, ` ; ` between them: no output is read and no
        other command runs in between); each one's output lines, or TmuxError."""
        line = " ; ".join(command_line(*argv) for argv in argvs)
        return await self._send(line, len(argvs), timeout)

    def send_now(self, *args: str) -> asyncio.Future[list[str]]:
        """Write one command to tmux now, not on a later turn of the loop (a key: a task
        waits behind every callback already ready, a frame's drawing among them); its
        output lines, or TmuxError, come in the future returned."""
        if self.closed.is_set():
            raise TmuxError("the control client is gone (tmux server stopped?)")
        return self._write(command_line(*args), 1)[0]

    def _write(self, line: str, replies: int) -> list[asyncio.Future[list[str]]]:
        """Queue the replies' futures and write the line, at once: replies stay in the
        order of the futures (nothing else can write in between: there is no await)."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[list[str]]] = [loop.create_future() for _ in range(replies)]
        assert self._proc.stdin is not None
        self._pending.extend((f, replies - 1 - i) for i, f in enumerate(futures))
        self._proc.stdin.write(line.encode() + b"\n")
        return futures

    async def _send(self, line: str, replies: int, timeout: float) -> list[list[str]]:
        if self.closed.is_set():
            raise TmuxError("the control client is gone (tmux server stopped?)")
        futures = self._write(line, replies)
        async with asyncio.timeout(timeout):
            results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results  # type: ignore[return-value]

    async def _read(self) -> None:
        assert self._proc.stdout is not None
        rest = b""
        try:
            while chunk := await self._proc.stdout.read(1 << 16):
                *lines, rest = (rest + chunk).split(b"\n")
                for raw in lines:
                    self._line(raw)
        finally:
            self.closed.set()
            while self._pending:
                fut, _ = self._pending.popleft()
                if not fut.done():
                    fut.set_exception(TmuxError("the control client closed"))

    def _answer(self, block: Reply, failed: bool) -> None:
        fut, skipped = self._pending.popleft()
        if not failed:
            block.mark = self.outputs
            if not fut.done():
                fut.set_result(block)
            return
        error = TmuxError("; ".join(block) or "tmux error")
        for _ in range(skipped):  # the rest of its line did not run
            fut_skipped, _ = self._pending.popleft()
            if not fut_skipped.done():
                fut_skipped.set_exception(error)
        if not fut.done():
            fut.set_exception(error)

    def _line(self, raw: bytes) -> None:
        if self._block is not None:
            text = raw.decode(errors="replace")
            if text in (f"%end {self._header}", f"%error {self._header}"):
                if self._mine and self._pending:
                    self._answer(self._block, failed=text.startswith("%error"))
                self._block = None
            elif self._mine:
                self._block.append(text)
        elif raw.startswith(b"%output "):
            self.outputs += 1
            if self._on_output:
                pane, _, data = raw[8:].partition(b" ")
                self._on_output(pane.decode(), data)
        elif raw.startswith(b"%begin "):
            self._header = raw[7:].decode(errors="replace")
            # Only flags 1 blocks answer our commands; attach sends one of its own.
            self._block, self._mine = Reply(), self._header.endswith(" 1")
        elif raw.startswith(b"%") and self._on_notice:
            self._on_notice(raw.decode(errors="replace"))

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
