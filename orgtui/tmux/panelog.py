"""The pane logger: `pipe-pane` runs `python -m orgtui.tmux.panelog LOG CAP` per agent.

It appends the pane's output to LOG and, when LOG passes CAP bytes, renames it to LOG.1
(replacing the older one) and starts afresh, so an agent's log never holds more than 2*CAP.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    path, cap = argv[0], int(argv[1])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    size = os.fstat(fd).st_size
    while chunk := os.read(0, 1 << 16):
        if size + len(chunk) > cap and size > 0:
            os.close(fd)
            os.replace(path, path + ".1")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            size = 0
        os.write(fd, chunk)
        size += len(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
