"""A bench agent: reads its terminal raw and answers every byte with a unique marker, `<kN>`
(N counts the bytes from 1), written over the same row, as a program echoing a key would.
Given a file, it appends every byte it receives to it, so the bench can check that no key was
lost, doubled or reordered on its way.

    echo.py [LOG]   # prints "echo ready", then one marker per byte received
"""

import os
import sys
import tty

fd = sys.stdin.fileno()
log = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND) if len(sys.argv) > 1 else -1
tty.setraw(fd)
os.write(1, b"echo ready\r\n")
count = 0
while chunk := os.read(fd, 1024):
    if log >= 0:
        os.write(log, chunk)
    out = []
    for _ in chunk:
        count += 1
        out.append(f"\r\x1b[K<k{count}>")
    os.write(1, "".join(out).encode())
