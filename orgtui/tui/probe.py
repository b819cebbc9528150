"""What the cockpit's own terminal shows, found out once before Textual takes it over.

Colours: truecolor where COLORTERM says so (`truecolor` or `24bit`), else as many as
terminfo's `colors` for TERM (256, or the 16 of the standard palette), so a terminal reached
over SSH without truecolor never gets 24-bit escapes it cannot show.

Skin tones: an emoji with a skin-tone modifier (👍🏽) is one 2-cell glyph in some terminals
and two 2-cell characters in others (xterm, tmux 3.3a); Textual counts it as 2 cells either
way. The only way to know is to ask: print the pair and read the cursor back (DSR 6,
`ESC [ 6 n`, answered `ESC [ row ; col R`). The terminal's input is read raw, for at most
`timeout` seconds, and what arrives in that time is not left for the app; a reply later than
that reaches Textual as a cursor position report, never as a key.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from typing import Final

__all__ = ["TONE_PAIR", "color_system", "terminfo_colors", "tone_cells"]

TONE_PAIR: Final = "\U0001f44d\U0001f3fd"  # thumbs up, medium skin tone
_REPLY: Final = re.compile(rb"\x1b\[(\d+);(\d+)R")


def terminfo_colors(term: str) -> int | None:
    """terminfo's `colors` for `term` (`tput colors`); None where tput or the entry is missing
    or has no colours."""
    try:
        out = subprocess.run(
            ["tput", "-T", term, "colors"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return int(out) if out.isdigit() else None


def color_system(environ: Mapping[str, str]) -> str:
    """Textual's colour system (`TEXTUAL_COLOR_SYSTEM`) for the terminal that `environ`
    describes: "truecolor" for COLORTERM=truecolor/24bit or a terminfo entry with 2**24
    colours, "256" for 256 or more, else "standard" (16 colours, as few as an 8-colour
    xterm has, with bold for the bright ones)."""
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    colors = terminfo_colors(environ.get("TERM", "").strip() or "dumb") or 0
    if colors >= 1 << 24:
        return "truecolor"
    return "256" if colors >= 256 else "standard"


def tone_cells(
    fd_in: int | None = None, fd_out: int | None = None, timeout: float = 0.2
) -> int | None:
    """How many cells the terminal on `fd_in`/`fd_out` (default: the ones Textual uses, stdin
    and stderr) draws TONE_PAIR in: 2 (one glyph) or 4 (the modifier a character of its own);
    None where they are not a terminal or no answer came within `timeout` seconds. The pair
    is printed at the start of the cursor's line and erased again."""
    fd_in = sys.__stdin__.fileno() if fd_in is None and sys.__stdin__ else fd_in
    fd_out = sys.__stderr__.fileno() if fd_out is None and sys.__stderr__ else fd_out
    if fd_in is None or fd_out is None or not (os.isatty(fd_in) and os.isatty(fd_out)):
        return None
    saved = termios.tcgetattr(fd_in)
    raw = termios.tcgetattr(fd_in)
    raw[3] &= ~(termios.ICANON | termios.ECHO)  # bytes as they come, not shown
    raw[6][termios.VMIN], raw[6][termios.VTIME] = 0, 0
    termios.tcsetattr(fd_in, termios.TCSANOW, raw)
    try:
        os.write(fd_out, f"\r{TONE_PAIR}\x1b[6n".encode())
        column = _read_column(fd_in, time.monotonic() + timeout)
    finally:
        os.write(fd_out, b"\r\x1b[K")
        # TCSAFLUSH: whatever else came in meanwhile (a key typed at start) is dropped with it.
        termios.tcsetattr(fd_in, termios.TCSAFLUSH, saved)
    return None if column is None else column - 1


def _read_column(fd: int, deadline: float) -> int | None:
    """The column (1-based) of a cursor position report read from `fd` before `deadline`."""
    data = b""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 256)
        if not chunk:
            break
        data += chunk
        if match := _REPLY.search(data):
            return int(match.group(2))
    return None
