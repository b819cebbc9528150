"""The built-in researcher's terminal: log lines that scroll up above a last line with its
state and what is typed (`Screen`), and the keys typed or pasted into its pane, a line at a
time (`read_input`), bracketed paste on, so a message typed in by orgd arrives whole."""

from __future__ import annotations

import codecs
import os
import re
import select
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PASTE_ON, PASTE_OFF = "\x1b[?2004h", "\x1b[?2004l"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


class Screen:
    """Log lines scroll up; the last line is the researcher's state and what is typed."""

    def __init__(self, out: Any) -> None:
        self.out, self.lock = out, threading.Lock()
        self.status, self.typed = "starting", ""

    def log(self, text: str) -> None:
        with self.lock:
            stamp = time.strftime("%H:%M:%S")
            for line in text.splitlines() or [""]:
                self.out.write(f"\r\x1b[K{stamp} {line}\n")
            self._footer()

    def set(self, status: str | None = None, typed: str | None = None) -> None:
        """Redraw the last line, only when it changes: a pane that keeps printing is never
        idle to orgd (nor cheap for the cockpit)."""
        with self.lock:
            before = (self.status, self.typed)
            if status is not None:
                self.status = status
            if typed is not None:
                self.typed = typed
            if (self.status, self.typed) != before:
                self._footer()

    def _footer(self) -> None:
        # Never wider than the terminal: a line that wraps is not cleared by the next redraw.
        width = shutil.get_terminal_size((80, 24)).columns - 1
        typed = self.typed[-max(10, width // 3) :]
        status = self.status[: max(10, width - len(typed) - 5)]
        self.out.write(f"\r\x1b[K\x1b[7m {status} \x1b[0m > {typed}")
        self.out.flush()


def bar(fraction: float, width: int = 20) -> str:
    full = max(0, min(width, round(fraction * width)))
    return "█" * full + "░" * (width - full)


def read_input(on_line: Callable[[str], None], screen: Screen) -> None:
    """Keys from the terminal (cbreak: echoed here), pastes whole; Enter hands the line typed
    (or pasted) to `on_line`. Returns at the end of input. Ctrl-C raises KeyboardInterrupt,
    even when the program was started with SIGINT ignored (ignored signals are inherited: a
    shell's `&`, a parent that ignores it)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    fd = sys.stdin.fileno()
    buffer, pasting, pending = "", False, ""
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")  # a character split by a read
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        data = os.read(fd, 4096)
        if not data:
            return
        pending += utf8.decode(data)
        while pending:
            if pending.startswith(PASTE_START):
                pasting, pending = True, pending[len(PASTE_START) :]
            elif pending.startswith(PASTE_END):
                pasting, pending = False, pending[len(PASTE_END) :]
            elif pending.startswith("\x1b") and len(pending) < len(PASTE_START):
                break  # an escape sequence not yet whole
            elif pending.startswith("\x1b["):
                m = re.match(r"\x1b\[[0-9;?]*[ -/]*[@-~]", pending)
                pending = pending[m.end() :] if m else pending[2:]  # other keys: ignored
            else:
                ch, pending = pending[0], pending[1:]
                if ch in "\r\n" and not pasting:
                    line, buffer = buffer, ""
                    screen.set(typed="")
                    try:
                        on_line(line)
                    except Exception as e:  # a bad line must not end the researcher
                        screen.log(f"{type(e).__name__}: {e}")
                elif ch in "\r\n":
                    buffer += "\n"
                elif ch in "\x7f\b":
                    buffer = buffer[:-1]
                elif ch == "\x03":
                    raise KeyboardInterrupt
                elif ch >= " " or ch == "\t":
                    buffer += ch
                screen.set(typed=buffer.replace("\n", " ⏎ "))
