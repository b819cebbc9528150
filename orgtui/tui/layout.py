"""Where agent panes go: the grid's shape for a number of panes and a screen size, and which
part of an agent's screen a cell too small for it shows."""

from __future__ import annotations

MIN_CELL = (20, 6)


def grid_shape(count: int, width: int, height: int) -> tuple[int, int]:
    """(columns, rows) for `count` panes: 1, 2x1, 2x2, 3x2, 4x2, 3x3, 4x3, 4x4 ... preferring
    cells that keep an agent's terminal wider than tall, and never more cells than fit at
    MIN_CELL (the rest go to further pages)."""
    if count <= 1:
        return 1, 1
    shapes = [(1, 1), (2, 1), (2, 2), (3, 2), (4, 2), (3, 3), (4, 3), (4, 4), (5, 4), (6, 4)]
    max_cols = max(1, width // MIN_CELL[0])
    max_rows = max(1, height // MIN_CELL[1])
    fitting = [(c, r) for c, r in shapes if c <= max_cols and r <= max_rows]
    for cols, rows in fitting:
        if cols * rows >= count:
            return cols, rows
    return fitting[-1] if fitting else (1, 1)


def crop_window(
    screen: tuple[int, int],
    view: tuple[int, int],
    cursor: tuple[int, int],
    last_row: int | None = None,
    follow_x: bool = True,
) -> tuple[int, int]:
    """The (x, y) offset of a `view`-sized part of a `screen`-sized terminal that matters: the
    rows ending at the cursor or the last written row, whichever is lower (so a full-screen
    program shows its bottom rows and a shell its latest output), moved to keep the cursor in
    view; the left columns unless the cursor is further right and `follow_x` (a pane someone
    types in; one watched shows where its lines begin, whatever its prompt's length)."""
    (sw, sh), (vw, vh), (cx, cy) = screen, view, cursor
    bottom = max(cy, sh - 1 if last_row is None else last_row)
    y = min(max(0, bottom - vh + 1), max(0, sh - vh))
    if cy < y:
        y = cy
    x = 0
    if follow_x and cx >= vw:
        x = min(cx - vw + 1, max(0, sw - vw))
    return x, y
