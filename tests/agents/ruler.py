"""A test agent that draws its whole terminal, edge to edge, like vim: `ruler.py [--hidden]`.

Row y begins `L<y>` and ends with `R` in the terminal's last column; the last row is a ruler
ending in the last column (`RULER <width>x<height>`). It draws again on every resize. The
cursor is left at the top-left, shown, where a person would type. With `--hidden` it draws
`PID USER` on the top row alone and parks its cursor, hidden, in the bottom-right corner, as
htop does.
"""

from __future__ import annotations

import os
import signal
import sys
import time


def draw(*_: object) -> None:
    width, height = os.get_terminal_size()
    if "--hidden" in sys.argv:
        out = f"\x1b[?25l\x1b[H\x1b[2JPID USER  ready\x1b[{height};{width}H"
    else:
        rows = [f"L{y}".ljust(width - 1) + "R" for y in range(height - 1)]
        ruler = f"RULER {width}x{height}"
        rows.append(ruler.rjust(width))
        # The last row written without its last cell's wrap: the cursor goes home after it.
        out = "\x1b[?25h\x1b[H\x1b[2J" + "\r\n".join(rows) + "\x1b[H"
    sys.stdout.write(out)
    sys.stdout.flush()


signal.signal(signal.SIGWINCH, draw)
draw()
while True:
    time.sleep(3600)
