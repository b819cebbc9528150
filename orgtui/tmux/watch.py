"""A control-mode client that only watches: which panes printed, and which windows came or
went. It sends no commands, so its stream is nothing but notifications, and it reads that
stream in large chunks, finding the pane ids with one regular expression per chunk instead
of a Python step per line: under a flood of output (8 panes, ~20 MB/s) this is the cockpit's
hottest loop, and it runs beside the thread that draws the screen.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from orgtui.tmux.server import tmux_env

_PANES = re.compile(rb"^%(?:extended-)?output (%\d+) ", re.M)
_NOTICES = re.compile(rb"^%(?:window-add|window-close|window-renamed|exit)\b[^\n]*", re.M)
CHUNK = 1 << 20


class OutputWatcher:
    """Dirty pane ids from a session's output, and its window notices."""

    def __init__(
        self,
        socket: Path,
        session: str,
        on_dirty: Callable[[], None] = lambda: None,
        on_notice: Callable[[str], None] = lambda line: None,
        flags: str = "ignore-size,read-only",
    ) -> None:
        self._proc = subprocess.Popen(
            ["tmux", "-S", str(socket), "-C", "attach-session", "-t", f"={session}", "-f", flags],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=tmux_env(),
        )
        self._on_dirty = on_dirty
        self._on_notice = on_notice
        self._lock = threading.Lock()
        self._dirty: set[str] = set()
        self.chunks = 0
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._read, name="tmux-watch", daemon=True)
        self._thread.start()

    def take_dirty(self) -> set[str]:
        """The panes that printed since last asked."""
        with self._lock:
            taken, self._dirty = self._dirty, set()
        return taken

    def _read(self) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        tail = b""
        try:
            while chunk := os.read(fd, CHUNK):
                self.chunks += 1
                data = tail + chunk
                cut = data.rfind(b"\n") + 1
                data, tail = data[:cut], data[cut:]
                panes = {p.decode() for p in _PANES.findall(data)}
                if panes:
                    with self._lock:
                        wake = not self._dirty
                        self._dirty |= panes
                    if wake:
                        self._on_dirty()
                for notice in _NOTICES.findall(data):
                    self._on_notice(notice.decode(errors="replace"))
        except OSError:
            pass
        finally:
            self.closed.set()
            self._on_notice("%exit")

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
