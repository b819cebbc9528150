"""A control-mode client on a reader thread, for the TUI: commands and, optionally, output.

A reader thread reads `tmux -C attach` and reduces the `%output` stream to a set of dirty
pane ids, without decoding the output: under heavy output this is the hot path, so it only
looks at each line's first bytes. Replies to commands (`%begin ... %end` blocks with flags 1)
resolve `concurrent.futures.Future`s in order; other notifications go to a callback. The
owner (the TUI's event loop) is woken once when the dirty set goes from empty to non-empty.
"""

from __future__ import annotations

import subprocess
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from orgtui.tmux.quoting import command_line
from orgtui.tmux.server import TmuxError, tmux_env

_OUTPUT = b"%output "
_EXTENDED = b"%extended-output "
_BEGIN = b"%begin "
_NOTICES_IN_BLOCKS = (_OUTPUT, _EXTENDED)


class PaneStream:
    """A streaming control-mode client attached to one session."""

    def __init__(
        self,
        socket: Path,
        session: str,
        on_dirty: Callable[[], None] = lambda: None,
        on_notice: Callable[[str], None] = lambda line: None,
        flags: str = "ignore-size",
    ) -> None:
        self._proc = subprocess.Popen(
            ["tmux", "-S", str(socket), "-C", "attach-session", "-t", f"={session}", "-f", flags],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=tmux_env(),
        )
        self._streams_output = "no-output" not in flags.split(",")
        self._on_dirty = on_dirty
        self._on_notice = on_notice
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._dirty: set[str] = set()
        self._pending: deque[Future[list[str]]] = deque()
        self.closed = threading.Event()
        self.output_lines = 0
        self._thread = threading.Thread(target=self._read, name="tmux-stream", daemon=True)
        self._thread.start()

    # -- commands ---------------------------------------------------------------------------

    def command(self, *args: str) -> Future[list[str]]:
        """Send one command (arguments quoted); a future of its output lines."""
        return self.line(command_line(*args))

    def line(self, line: str) -> Future[list[str]]:
        fut: Future[list[str]] = Future()
        if self.closed.is_set():
            fut.set_exception(TmuxError("the tmux control client is gone"))
            return fut
        assert self._proc.stdin is not None
        with self._write_lock:
            self._pending.append(fut)
            try:
                self._proc.stdin.write(line.encode() + b"\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                self._pending.remove(fut)
                fut.set_exception(TmuxError("the tmux control client is gone"))
        return fut

    # -- dirty panes ------------------------------------------------------------------------

    def take_dirty(self, wanted: set[str] | None = None) -> set[str]:
        """The panes that printed since last asked (only those in `wanted`, if given; the
        others stay dirty)."""
        with self._lock:
            if wanted is None:
                taken, self._dirty = self._dirty, set()
            else:
                taken = self._dirty & wanted
                self._dirty -= taken
        return taken

    def is_dirty(self, pane: str) -> bool:
        return pane in self._dirty

    # -- the reader -------------------------------------------------------------------------

    def _mark(self, pane: str) -> None:
        with self._lock:
            wake = not self._dirty
            self._dirty.add(pane)
        if wake:
            self._on_dirty()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        stdout = self._proc.stdout
        readline = stdout.readline
        block: list[str] | None = None
        end = error = b""
        skipping = False
        try:
            while raw := readline():
                if self._streams_output and raw.startswith(_NOTICES_IN_BLOCKS):
                    # tmux writes pane notifications between a reply's %begin and %end too.
                    self._pane_notice(raw)
                    continue
                if block is not None or skipping:
                    if raw.startswith(end) or raw.startswith(error):
                        rest = raw[len(end) :] if raw.startswith(end) else raw[len(error) :]
                        if rest.strip() == b"":
                            if block is not None:
                                self._resolve(block, failed=raw.startswith(error))
                            block, skipping = None, False
                            continue
                    if block is not None:
                        block.append(raw.decode(errors="replace").rstrip("\n"))
                    continue
                if raw.startswith(_BEGIN):
                    header = raw[len(_BEGIN) :].rstrip(b"\n")
                    end, error = b"%end " + header, b"%error " + header
                    # Only flags 1 blocks answer our commands; attach sends one of its own.
                    if header.endswith(b" 1"):
                        block = []
                    else:
                        skipping = True
                elif raw.startswith(b"%"):
                    self._on_notice(raw.decode(errors="replace").rstrip("\n"))
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()
            while self._pending:
                fut = self._pending.popleft()
                if not fut.done():
                    fut.set_exception(TmuxError("the tmux control client closed"))
            self._on_notice("%exit")

    def _pane_notice(self, raw: bytes) -> None:
        if raw.startswith(_OUTPUT):
            self.output_lines += 1
            self._mark(raw[8 : raw.find(b" ", 8)].decode())
        elif raw.startswith(_EXTENDED):
            self.output_lines += 1
            self._mark(raw[17 : raw.find(b" ", 17)].decode())

    def _resolve(self, block: list[str], failed: bool) -> None:
        with self._write_lock:
            fut = self._pending.popleft() if self._pending else None
        if fut is None or fut.done():
            return
        if failed:
            fut.set_exception(TmuxError("; ".join(block) or "tmux error"))
        else:
            fut.set_result(block)

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._thread.join(2)
