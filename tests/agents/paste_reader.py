"""A test agent that enables bracketed paste and reads the terminal raw, like agent TUIs do:
text between the paste brackets is one message, Enter submits it; each submitted message is
appended to a file as one JSON string per line."""

import json
import os
import sys
import tty
from pathlib import Path

out = Path(sys.argv[1])
fd = sys.stdin.fileno()
tty.setraw(fd)
os.write(1, b"\x1b[?2004h")
START, END = b"\x1b[200~", b"\x1b[201~"
buf = b""
message = b""
pastes = 0
os.write(1, b"ready> ")
while True:
    chunk = os.read(fd, 4096)
    if not chunk:
        break
    buf += chunk
    while buf:
        if buf.startswith(START):
            end = buf.find(END)
            if end < 0:
                break
            message += buf[len(START) : end]
            pastes += 1
            os.write(1, b"[pasted " + str(len(message)).encode() + b" bytes]")
            buf = buf[end + len(END) :]
        elif buf[:1] == b"\r":
            buf = buf[1:]
            with out.open("a") as f:
                f.write(json.dumps({"text": message.decode(), "pastes": pastes}) + "\n")
            os.write(1, b"\r\nsubmitted\r\nready> ")
            message, pastes = b"", 0
        elif START.startswith(buf[: len(START)]) and len(buf) < len(START):
            break
        else:
            message += buf[:1]
            os.write(1, buf[:1])
            buf = buf[1:]
