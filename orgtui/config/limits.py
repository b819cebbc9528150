"""Limits on an org file's size and shape, so that checking any file takes well under a second
and little memory, and says what was too big where instead of hanging or crashing.

`read_limited(path, what, limit)` reads a regular file of at most `limit` bytes; `scan(text)`
finds, before tomllib reads the text, where it nests past `MAX_DEPTH`, has a dotted key of more
parts, or more than `MAX_ENTRIES` keys and items; `check_shape(context, document)` then refuses
keys and strings over `MAX_VALUE_CHARS` and arrays and tables over `MAX_ITEMS` entries. The
schema's own numbers have ceilings too: `MAX_AGENTS` (each `count` and the whole org),
`MAX_DEVICES` (`gpus`, `cpu_slots`), `MAX_SEEDS`; durations and sizes have theirs beside their
parsers.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from orgtui.config.locate import KeyPath
from orgtui.config.tables import Context

MAX_FILE_BYTES = 256 * 1024
"""The largest org file read."""
MAX_TEXT_FILE_BYTES = 1024 * 1024
"""The largest prompt or brief file read."""
MAX_ENTRIES = 10_000
"""The most keys and array items in one org file."""
MAX_DEPTH = 16
"""How deep arrays and inline tables may nest (the schema itself needs 2)."""
MAX_VALUE_CHARS = 32 * 1024
"""The longest key or string value (a longer prompt or brief belongs in a file)."""
MAX_ITEMS = 1000
"""The most items in one array, or keys in one table."""
MAX_AGENTS = 100
"""The most agents in one org (and so in one `count`)."""
MAX_DEVICES = 1024
"""The most devices an agent's jobs may ask for (`gpus`), or CPU slots (`cpu_slots`)."""
MAX_SEEDS = 100
"""The most seeds of a baseline (`seeds`) or of a group (`job submit --seeds`): each is a job."""
MIN_COMPARISONS = 5
"""The fewest comparisons a reference may serve (`max_comparisons`): each is tested at 5%/M,
and below 5 a change that does nothing would be called better more than 1% of the time."""
MAX_COMPARISONS = 1000
MIN_VERIFY_SEEDS = 5
"""The fewest fresh seeds a promotion's verification runs (`verify_seeds`)."""
MAX_FLOPS = 1e30
"""The largest FLOPs budget (`flops_budget`, `--flops`)."""

# What opens or closes a level of nesting, joins a dotted key, starts an entry (`=` or `,`),
# or hides those from the count (strings, comments).
_SIGNIFICANT = re.compile(r"[\[\]{}#\"'.=,]")
_STRINGS = (
    ('"""', re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)),
    ("'''", re.compile(r"'''(?:[^']|'(?!''))*'''")),
    ('"', re.compile(r'"(?:[^"\\\n]|\\.)*"')),
    ("'", re.compile(r"'[^'\n]*'")),
)


def _mib(size: int) -> str:
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size % mib == 0 else f"{size // 1024} KiB"


def read_limited(path: Path, what: str, limit: int, hint: str = "") -> bytes:
    """The bytes of the regular file at `path`; ValueError (naming it `what`, `hint` after the
    size) for another kind of file or one over `limit` bytes; OSError when it cannot be read."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ValueError(f"{what} is not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{what} is larger than {_mib(limit)}{hint}")
    return data


def scan(text: str) -> tuple[int, str] | None:
    """The first place (an offset) where TOML `text` goes past the limits on nesting, dotted
    keys or entries, and what is wrong there; None when it does not.

    tomllib recurses on nesting and takes time quadratic in a dotted key's parts, so this runs
    first. Brackets, dots and commas in strings and comments do not count. Text tomllib would
    reject may be misread; tomllib then reports it.
    """
    depth = dots = entries = end = 0
    found = _SIGNIFICANT.search(text)
    while found is not None:
        index = found.start()
        char = text[index]
        if char == ".":
            # A key of N parts has N - 1 dots on its line; a float or a date in a value has one,
            # and the value's line ends before the next key starts.
            dots = 1 if text.find("\n", end, index) >= 0 else dots + 1
            if dots >= MAX_DEPTH:
                return index, f"this dotted key has more than {MAX_DEPTH} parts"
            end = index + 1
        elif char == "#":
            end = _line_end(text, index)
        elif char in "\"'":
            end = _string_end(text, index)
        else:
            dots, end = 0, index + 1
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return index, f"arrays and inline tables are nested more than {MAX_DEPTH} deep"
            elif char in "]}":
                depth = max(0, depth - 1)
            else:
                entries += 1
                if entries > MAX_ENTRIES:
                    return index, f"the org file has more than {MAX_ENTRIES:,} keys and array items"
        found = _SIGNIFICANT.search(text, end)
    return None


def _line_end(text: str, start: int) -> int:
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline


def _string_end(text: str, start: int) -> int:
    for opening, pattern in _STRINGS:
        if text.startswith(opening, start):
            match = pattern.match(text, start)
            if match is None:
                return start + 1
            end = match.end()
            # Up to two quotes of a multi-line string's content may sit just before its end.
            if len(opening) == 3:
                while end < len(text) and text[end] == opening[0] and end - match.end() < 2:
                    end += 1
            return end
    return start + 1


def check_shape(context: Context, document: dict[str, object]) -> None:
    """Refuse (at its place) a key or string too long, or an array or table too large."""
    stack: list[tuple[KeyPath, object]] = [((), document)]
    while stack:
        path, value = stack.pop()
        children: list[tuple[KeyPath, object]] = []
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                context.fail(
                    path, f"this table has {len(value):,} keys; at most {MAX_ITEMS:,}", at="table"
                )
            for key, item in value.items():
                if len(key) > MAX_VALUE_CHARS:
                    context.fail(
                        (*path, key),
                        f"this key is {len(key):,} characters long; a key may be at most "
                        f"{MAX_VALUE_CHARS:,}",
                        at="key",
                    )
                children.append(((*path, key), item))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                context.fail(path, f"this array has {len(value):,} items; at most {MAX_ITEMS:,}")
            children = [((*path, index), item) for index, item in enumerate(value)]
        elif isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            context.fail(
                path,
                f"this string is {len(value):,} characters long; a value may be at most "
                f"{MAX_VALUE_CHARS:,} (put long prompts and briefs in files of their own)",
            )
        stack.extend(reversed(children))  # the first problem in the file is the one reported
