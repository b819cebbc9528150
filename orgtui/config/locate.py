"""Where things are in a TOML text: `locate(text) -> Locations`.

tomllib returns plain values with no positions, so this module scans the same text once more
and records the 1-based line and column of every table header, every key and every value, by
*path*: the tuple of keys and array indices that leads to it in the parsed document, e.g.
`("org", "name")`, `("agent", 2, "env", "WANDB_MODE")`, `("process", 0, "to", 1)`.
`[[agent]]` tables are numbered by occurrence, as tomllib's lists are.

The scanner expects text tomllib has already accepted. It never raises on other text; it
records what it can and positions it missed fall back to the enclosing table, then to 1:1.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import tomllib
from dataclasses import dataclass, field

KeyPath = tuple[str | int, ...]
"""Keys and array indices from the document root to a value."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = ",]}#\r\n"


@dataclass(frozen=True)
class Position:
    """A place in the text; both numbers 1-based."""

    line: int
    col: int


START = Position(1, 1)
"""The start of the text: where errors with no better place point."""


@dataclass
class Locations:
    """Positions of the headers, keys and values of one TOML text, by path."""

    tables: dict[KeyPath, Position] = field(default_factory=dict)
    """The `[` of each table header (`[[x]]` headers under `("x", n)`)."""
    keys: dict[KeyPath, Position] = field(default_factory=dict)
    """The first character of each key (a dotted key's parts each get one)."""
    values: dict[KeyPath, Position] = field(default_factory=dict)
    """The first character of each value, array elements included."""

    def table(self, path: KeyPath) -> Position:
        """The header of the table at `path` or, failing that, of the nearest table above it.

        A table written inline (`{ ... }` in an array) or by dotted keys has no header; its
        first character or first key stands in for one. An array of tables (`[[x]]`) is at its
        first header.
        """
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            inline = self.values.get(prefix) if isinstance(prefix[-1], int) else None
            found = self.tables.get(prefix) or inline or self.keys.get(prefix)
            found = found or self.tables.get((*prefix, 0))  # an array of tables: its first
            if found is not None:
                return found
        return START

    def key(self, path: KeyPath) -> Position:
        """The key at the end of `path` (an array element falls back to its array's value)."""
        found = self.keys.get(path)
        if found is not None:
            return found
        if path and isinstance(path[-1], int):
            return self.value(path)
        return self.table(path)

    def value(self, path: KeyPath) -> Position:
        """The value at `path`, or the nearest value or key above it, or its table's header."""
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            found = self.values.get(prefix) or self.keys.get(prefix)
            if found is not None:
                return found
        return self.table(path)


def locate(text: str) -> Locations:
    """Scan `text` (TOML that tomllib accepts) and return where each path is."""
    scanner = _Scanner(text)
    # Only text tomllib rejects can stop the scan; what was recorded so far stays usable.
    with contextlib.suppress(IndexError, ValueError, tomllib.TOMLDecodeError):
        scanner.document()
    return scanner.found


class _Scanner:
    """A forgiving TOML reader that records positions instead of building values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.found = Locations()
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self._array_tables: dict[KeyPath, int] = {}

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line, offset - self._line_starts[line - 1] + 1)

    def peek(self, ahead: int = 0) -> str:
        index = self.i + ahead
        return self.text[index] if index < len(self.text) else ""

    def skip_blanks(self) -> None:
        while self.peek() in (" ", "\t"):
            self.i += 1

    def skip_space_and_comments(self) -> None:
        while self.i < len(self.text):
            char = self.text[self.i]
            if char in " \t\r\n":
                self.i += 1
            elif char == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_space_and_comments()
            if self.i >= len(self.text):
                return
            before = self.i
            if self.peek() == "[":
                table = self.header()
            else:
                self.key_value(table)
            if self.i == before:
                self.i += 1  # Never loop on text this scanner does not understand.

    def header(self) -> KeyPath:
        start = self.i
        array = self.text.startswith("[[", self.i)
        self.i += 2 if array else 1
        parts = [name for name, _ in self.dotted_key()]
        self.i += 2 if array else 1
        path: KeyPath = ()
        for index, name in enumerate(parts):
            path = (*path, name)
            if array and index == len(parts) - 1:
                count = self._array_tables.get(path, 0)
                self._array_tables[path] = count + 1
                path = (*path, count)
            elif path in self._array_tables:
                path = (*path, self._array_tables[path] - 1)
        self.found.tables.setdefault(path, self.position(start))
        return path

    def dotted_key(self) -> list[tuple[str, int]]:
        parts: list[tuple[str, int]] = []
        while True:
            self.skip_blanks()
            parts.append(self.simple_key())
            self.skip_blanks()
            if self.peek() != ".":
                return parts
            self.i += 1

    def simple_key(self) -> tuple[str, int]:
        """The next bare or quoted key, decoded, and the offset it starts at."""
        start = self.i
        char = self.peek()
        if char == '"':
            self.i = self._basic_string_end(start)
            return str(tomllib.loads(f"k = {self.text[start : self.i]}")["k"]), start
        if char == "'":
            self.i = self.text.index("'", start + 1) + 1
            return self.text[start + 1 : self.i - 1], start
        match = _BARE_KEY.match(self.text, start)
        if match is None:
            raise ValueError("not a key")
        self.i = match.end()
        return match.group(), start

    def key_value(self, table: KeyPath) -> None:
        path = table
        for name, offset in self.dotted_key():
            path = (*path, name)
            self.found.keys.setdefault(path, self.position(offset))
        self.skip_blanks()
        if self.peek() != "=":
            raise ValueError("expected '='")
        self.i += 1
        self.skip_blanks()
        self.value(path)

    def value(self, path: KeyPath) -> None:
        self.found.values.setdefault(path, self.position(self.i))
        if self.text.startswith('"""', self.i):
            self.i = self._multiline_end('"""')
        elif self.text.startswith("'''", self.i):
            self.i = self._multiline_end("'''")
        elif self.peek() == '"':
            self.i = self._basic_string_end(self.i)
        elif self.peek() == "'":
            self.i = self.text.index("'", self.i + 1) + 1
        elif self.peek() == "[":
            self.array(path)
        elif self.peek() == "{":
            self.inline_table(path)
        else:
            while self.peek() and self.peek() not in _SCALAR_END:
                self.i += 1

    def array(self, path: KeyPath) -> None:
        self.i += 1
        index = 0
        while True:
            self.skip_space_and_comments()
            if self.peek() in ("]", ""):
                self.i += 1
                return
            self.value((*path, index))
            index += 1
            self.skip_space_and_comments()
            if self.peek() == ",":
                self.i += 1

    def inline_table(self, path: KeyPath) -> None:
        self.i += 1
        while True:
            self.skip_space_and_comments()
            if self.peek() in ("}", ""):
                self.i += 1
                return
            self.key_value(path)
            self.skip_space_and_comments()
            if self.peek() == ",":
                self.i += 1

    def _basic_string_end(self, start: int) -> int:
        """The offset just past the `"..."` string that opens at `start`."""
        index = start + 1
        while self.text[index] != '"':
            index += 2 if self.text[index] == "\\" else 1
        return index + 1

    def _multiline_end(self, quotes: str) -> int:
        """The offset just past the multi-line string that opens at `self.i`."""
        index = self.i + 3
        while not self.text.startswith(quotes, index):
            index += 2 if quotes == '"""' and self.text[index] == "\\" else 1
        index += 3
        # Up to two quotes of the content may sit right before the closing delimiter.
        for _ in range(2):
            if index < len(self.text) and self.text[index] == quotes[0]:
                index += 1
        return index
