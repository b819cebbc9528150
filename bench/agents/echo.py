"""A bench agent: reads its terminal raw and answers every byte with a unique marker, `<kN>`
(N counts the bytes from 1), written over the same row, as a program echoing a key would.

    echo.py   # prints "echo ready", then one marker per byte received
"""

import os
import sys
import tty

fd = sys.stdin.fileno()
tty.setraw(fd)
os.write(1, b"echo ready\r\n")
count = 0
while chunk := os.read(fd, 1024):
    out = []
    for _ in chunk:
        count += 1
        out.append(f"\r\x1b[K<k{count}>")
    os.write(1, "".join(out).encode())
