"""Terminal sizes as the org file writes them: `parse_size("100x30") -> (cols, rows)`."""

from __future__ import annotations

import re

MIN_COLS = 20
"""The narrowest terminal an agent may ask for."""
MIN_ROWS = 5
"""The shortest terminal an agent may ask for."""

MAX_SIDE = 10000
"""The widest and tallest terminal: tmux's own limit on a window."""

_SIZE = re.compile(r"(\d+)x(\d+)")


def parse_size(text: str) -> tuple[int, int]:
    """`(cols, rows)` of a size written `COLSxROWS`, e.g. "100x30".

    Raises ValueError when `text` is not of that form, is smaller than MIN_COLS x MIN_ROWS or
    larger than MAX_SIDE x MAX_SIDE.
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f'invalid size {text!r}: write COLSxROWS, like "100x30"')
    # Compared as digits first: int() refuses strings of thousands of digits.
    if any(len(side.lstrip("0")) > len(str(MAX_SIDE)) for side in match.groups()):
        raise ValueError(f"size is too large: at most {MAX_SIDE}x{MAX_SIDE}")
    cols, rows = int(match.group(1)), int(match.group(2))
    if cols > MAX_SIDE or rows > MAX_SIDE:
        raise ValueError(f"size {text!r} is too large: at most {MAX_SIDE}x{MAX_SIDE}")
    if cols < MIN_COLS or rows < MIN_ROWS:
        raise ValueError(f"size {text!r} is too small: at least {MIN_COLS}x{MIN_ROWS}")
    return cols, rows
