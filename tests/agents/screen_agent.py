"""A stand-in agent that shows recorded CLI screens: `screen_agent.py LOG SCREEN...`.

It draws the first SCREEN (a file from tests/data/screens/), then, each time a line is
typed, appends the line to LOG; `kill -USR1` moves it on to the next SCREEN. With
`--redraw S` it draws its screen again every S seconds, alternating with the screen after it
(a spinner that moves), so tmux sees output all the time."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path


def main() -> None:
    args = sys.argv[1:]
    redraw = 0.0
    if args[:1] == ["--redraw"]:
        redraw, args = float(args[1]), args[2:]
    log, screens = Path(args[0]), [Path(p).read_text() for p in args[1:]]
    at = [0]
    lock = threading.Lock()

    def draw(index: int) -> None:
        text = screens[min(index, len(screens) - 1)].rstrip("\n")
        with lock:
            sys.stdout.write("\x1b[H\x1b[2J" + text.replace("\n", "\r\n"))
            sys.stdout.flush()

    def next_screen(*_: object) -> None:
        at[0] += 1
        draw(at[0])

    signal.signal(signal.SIGUSR1, next_screen)
    draw(0)
    if redraw:

        def spin() -> None:
            flip = 0
            while True:
                time.sleep(redraw)
                flip ^= 1
                draw(at[0] + flip)

        threading.Thread(target=spin, daemon=True).start()
    for line in sys.stdin:
        with log.open("a") as f:
            f.write(line)


if __name__ == "__main__":
    main()
