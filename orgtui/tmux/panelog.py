"""The pane logger: `pipe-pane` runs `python -m orgtui.tmux.panelog LOG CAP` per agent.

It appends the pane's output to LOG and, when LOG passes CAP bytes, renames it to LOG.1
(replacing the older one) and starts afresh, so an agent's log never holds more than 2*CAP.
A full disk (or quota) does not stop it: output it cannot write is dropped and counted, and
once a write succeeds again the log says how many bytes were lost there.
"""

from __future__ import annotations

import errno
import os
import sys

FULL = (errno.ENOSPC, errno.EDQUOT)


class Log:
    """LOG and its rotation; `write` drops what a full disk refuses."""

    def __init__(self, path: str, cap: int) -> None:
        self.path, self.cap = path, cap
        self.fd: int | None = None
        self.size = 0
        self.dropped = 0

    def _open(self) -> int:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.size = os.fstat(self.fd).st_size
        return self.fd

    def _rotate(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        os.replace(self.path, self.path + ".1")

    def _write_all(self, data: bytes) -> int:
        """Write `data`; the bytes written before the disk filled (OSError for other faults)."""
        view = memoryview(data)
        try:
            fd = self._open()
            while view:
                view = view[os.write(fd, view) :]
        except OSError as e:
            if e.errno not in FULL:
                raise
        written = len(data) - len(view)
        self.size += written
        return written

    def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.cap and self.size > 0:
            self._rotate()
        if self.dropped:
            note = f"\n[orgtui: disk full: {self.dropped} bytes of output dropped]\n".encode()
            written = self._write_all(note)
            if written < len(note):
                # No room for the note: drop this chunk too, and say so once room comes back.
                self.dropped += len(chunk)
                return
            self.dropped = 0
        self.dropped += len(chunk) - self._write_all(chunk)


def main(argv: list[str]) -> int:
    log = Log(argv[0], int(argv[1]))
    log.write(b"")  # creates LOG (0600) now, and learns its size
    while chunk := os.read(0, 1 << 16):
        log.write(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
