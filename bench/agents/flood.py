"""A bench agent: prints coloured lines (~100 columns) as fast as its terminal takes them while
the file named by its first argument exists, and sleeps (printing nothing) otherwise. While it
floods it keeps the bytes it wrote, about once a second, in `FLAG_FILE.<pid>`.

The flag file's content, read as each flood starts, says how it floods:

- `batch` (or empty): 50 lines of 16, 256 and truecolor SGR per write;
- `lines`: one 256-colour line per write, as a program printing with `print(line,
  flush=True)` in a loop does: many more, smaller updates for tmux and the cockpit to keep up
  with.

    flood.py FLAG_FILE [PAUSE]   # PAUSE: seconds to sleep between writes (default 0)
"""

import os
import sys
import time

flag = sys.argv[1]
pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
words = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
]


def line(i: int) -> str:
    parts = []
    for j, word in enumerate(words):
        k = i * 7 + j
        if k % 3 == 0:
            sgr = f"\x1b[{30 + k % 8}{';1' if k % 2 else ''}m"  # 16 colours, some bold
        elif k % 3 == 1:
            sgr = f"\x1b[38;5;{k * 37 % 256}m"  # 256 colours
        else:
            sgr = f"\x1b[38;2;{k * 53 % 256};{k * 97 % 256};{k * 151 % 256}m"  # truecolor
        if k % 5 == 0:
            sgr += f"\x1b[48;5;{k * 11 % 256}m"
        parts.append(f"{sgr}{word}\x1b[0m")
    return " ".join(parts) + " " + "=" * 12


def line256(i: int) -> str:
    parts = []
    for j, word in enumerate(words):
        k = i * 7 + j
        sgr = f"\x1b[38;5;{k * 37 % 256}m"
        if k % 4 == 0:
            sgr += f"\x1b[48;5;{k * 11 % 256}m"
        parts.append(f"{sgr}{word}\x1b[0m")
    return " ".join(parts) + " " + "=" * 12


def note(path: str, count: int) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(str(count))
    os.replace(path + ".tmp", path)


LINES = [line(i) for i in range(64)]
LINES256 = [line256(i) for i in range(64)]
os.write(1, b"flood ready\r\n")
count_file = f"{flag}.{os.getpid()}"
n = written = 0
noted = time.monotonic()
kind = ""
while True:
    if not os.path.exists(flag):
        if written and noted:
            note(count_file, written)
            noted = 0.0
        kind = ""
        time.sleep(0.1)
        continue
    if not kind:  # a flood starts: which one
        try:
            with open(flag) as f:
                kind = f.read().strip() or "batch"
        except OSError:
            continue
    if time.monotonic() - noted > 1:
        note(count_file, written)
        noted = time.monotonic()
    if kind == "lines":
        for _ in range(200):  # one write per line; the flag and the count looked at now and then
            data = f"{n:9d} {LINES256[n % 64]}\r\n".encode()
            os.write(1, data)
            written += len(data)
            n += 1
            if pause:
                time.sleep(pause)
        continue
    batch = []
    for _ in range(50):
        batch.append(f"{n:9d} {LINES[n % 64]}\r\n")
        n += 1
    data = "".join(batch).encode()
    os.write(1, data)
    written += len(data)
    if pause:
        time.sleep(pause)
