"""What a program prints in reply to a key, applied to the rows a pane already shows, so the
front pane draws it as it arrives instead of waiting for a capture's round trip through a
busy tmux server.

Only the common case of an echo is understood: text that stays on the cursor's row, carriage
return, backspace, erase to the end of the line and SGR colours. Anything else (a new line,
other escape sequences, text that would wrap, non-ASCII) is refused (None) and the capture
that follows every change shows it; a capture shows the truth in any case, a few milliseconds
later. tmux's control mode writes a pane's output in the same order as its replies to the
commands sent on that client, so output that follows a capture's reply is exactly what the
capture did not yet hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.segment import Segment
from textual.strip import Strip

from orgtui.tui.sgr import DEFAULT_STATE, SgrState, default_background, sgr, style_of

_OCTAL = re.compile(rb"\\([0-7]{3})")
_TOKENS = re.compile(r"\x1b\[([0-9;:]*)m|(\x1b\[0?K)|(\r)|(\x08)|([ -~]+)|(.)", re.S)


def unescape(data: bytes) -> bytes:
    """A `%output` line's data as the pane wrote it (tmux escapes `\\` and control bytes)."""
    return _OCTAL.sub(lambda m: bytes([int(m[1], 8)]), data) if b"\\" in data else data


@dataclass
class Screen:
    """The part of a terminal a pane shows and where its cursor is.

    rows: the view's rows, each `width` cells; offset: the view's corner in the terminal;
    cursor: (x, y) in the terminal; columns: the terminal's width; state: the SGR state.
    """

    rows: list[Strip]
    width: int
    offset: tuple[int, int]
    cursor: tuple[int, int]
    columns: int
    state: SgrState = DEFAULT_STATE


def apply(screen: Screen, output: bytes) -> set[int] | None:
    """Apply a pane's output to `screen` in place; the view rows it changed, or None (and
    `screen` unchanged) if the output is more than an echo."""
    try:
        text = output.decode()
    except UnicodeDecodeError:  # a character split across two notifications
        return None
    rows = list(screen.rows)  # changed on a copy: a refusal leaves the screen as it was
    (ox, oy), (x, y), state = screen.offset, screen.cursor, screen.state
    view_y = y - oy
    if not 0 <= view_y < len(screen.rows):
        return None
    changed: set[int] = set()
    for match in _TOKENS.finditer(text):
        params, erase, cr, bs, printable, other = match.groups()
        if other is not None:
            return None
        if params is not None:
            state = sgr(state, params)
        elif cr:
            x = 0
        elif bs:
            x = max(0, x - 1)
        elif erase:
            if not default_background(state) or x - ox < 0:
                return None
            vx = x - ox
            row = rows[view_y]
            if vx < screen.width:
                rows[view_y] = Strip.join([row.crop(0, vx), Strip.blank(screen.width - vx)])
                changed.add(view_y)
        elif printable:
            n = len(printable)
            vx = x - ox
            if x + n >= screen.columns or vx < 0 or vx + n > screen.width:
                return None  # it would wrap, or lands outside the view
            row = rows[view_y]
            written = Strip([Segment(printable, style_of(state))], n)
            rows[view_y] = Strip.join([row.crop(0, vx), written, row.crop(vx + n, screen.width)])
            changed.add(view_y)
            x += n
    screen.rows = rows
    screen.cursor, screen.state = (x, y), state
    return changed
