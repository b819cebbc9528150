"""A test agent that reads its terminal raw, with bracketed paste on, and prints every chunk
it receives as hex bytes on a line of its own: `keys: 03 1b 5b ...`."""

import os
import sys
import tty

fd = sys.stdin.fileno()
tty.setraw(fd)
os.write(1, b"\x1b[?2004hkeylogger ready\r\n")
while chunk := os.read(fd, 1024):
    os.write(1, ("keys: " + " ".join(f"{b:02x}" for b in chunk) + "\r\n").encode())
