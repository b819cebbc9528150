"""A test agent that, like a real agent TUI starting up, takes 2 s before it reads input and
throws away whatever was typed before that; then it prompts `> ` and records each line."""

import sys
import termios
import time
from pathlib import Path

out = Path(sys.argv[1])
time.sleep(2)
termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
while True:
    sys.stdout.write("> ")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    with out.open("a") as f:
        f.write(line)
    print(f"got {line.strip()}")
