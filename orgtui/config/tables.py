"""Typed, position-aware reads of the org file's tables.

`Context` is one load in progress: the org file, where its keys are (`Locations`), and the
files it has read. `Table` wraps one parsed TOML table and reads its keys as the schema's types,
raising `ConfigError` at the offending key or value: unknown keys (with "did you mean"),
missing required keys (at the table's header), wrong types, bad enums, bad durations, bad names.
A `Table` may fall back to another one (an `[[agent]]` to `[defaults]`); errors about an
inherited value point where that value is written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Literal, NoReturn

from orgtui.config.durations import parse_duration
from orgtui.config.errors import ConfigError
from orgtui.config.locate import KeyPath, Locations, Position
from orgtui.config.model import NAME_PATTERN

_NAME = re.compile(NAME_PATTERN)

Place = Literal["value", "key", "table"]
"""What an error points at: a key's value, the key itself, or its table's header."""


class Context:
    """One load of one org file: where errors point and what files were read."""

    def __init__(self, file: Path, locations: Locations) -> None:
        self.file = file
        """The org file (absolute)."""
        self.locations = locations
        """Positions of the org file's keys and values."""
        self.files_read: dict[Path, bytes] = {}
        """Prompt, brief and tool files read, in the order first read, with their bytes, and
        skill folders with their digest (`orgtui.config.skills`)."""

    @property
    def directory(self) -> Path:
        """The org file's directory: relative paths in it start here."""
        return self.file.parent

    def fail_at(self, position: Position, message: str) -> NoReturn:
        """Raise `message` at `position`."""
        raise ConfigError(self.file, position.line, position.col, message)

    def fail(self, path: KeyPath, message: str, *, at: Place = "value") -> NoReturn:
        """Raise `message` at the value (`at="value"`), key (`"key"`) or table (`"table"`)."""
        where = {
            "value": self.locations.value,
            "key": self.locations.key,
            "table": self.locations.table,
        }[at]
        self.fail_at(where(path), message)


def describe(value: object) -> str:
    """What a TOML value is, for messages: `a string ("4")`, `a boolean (true)`."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'a string ("{shown}")'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a date/time ({value})"


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """`; did you mean 'X'?` for the closest of `choices`, or "" when none is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def suggest(word: str, choices: Collection[str]) -> str:
    """`; did you mean 'X'?` for the closest of `choices`, else the list of them."""
    close = did_you_mean(word, choices)
    if close or not choices:
        return close
    return f"; valid: {', '.join(sorted(choices))}"


def quoted_list(choices: Collection[str]) -> str:
    """`"a", "b" or "c"`."""
    items = [f'"{c}"' for c in choices]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


class Table:
    """One TOML table of the org file, read key by key as the schema's types."""

    def __init__(
        self,
        context: Context,
        data: Mapping[str, object],
        path: KeyPath,
        label: str,
        fallback: Table | None = None,
    ) -> None:
        self.context = context
        self.data = data
        self.path = path
        """Where this table is in the document."""
        self.label = label
        """How messages name it: `[org]`, `[[agent]] "claude"`."""
        self.fallback = fallback
        """Where keys missing here are read from."""

    def _owner(self, key: str) -> Table | None:
        if key in self.data:
            return self
        return self.fallback._owner(key) if self.fallback is not None else None

    def has(self, key: str) -> bool:
        """Whether `key` is set here or in the fallback."""
        return self._owner(key) is not None

    def raw(self, key: str) -> object:
        """The value of `key` (here, else in the fallback); the key must be set."""
        owner = self._owner(key)
        assert owner is not None
        return owner.data[key]

    def path_of(self, key: str) -> KeyPath:
        """The document path of `key` where it is set (here or in the fallback)."""
        owner = self._owner(key) or self
        return (*owner.path, key)

    def fail(self, key: str, message: str, *, at: Place = "value") -> NoReturn:
        """Raise `message` at `key`'s value (or the key itself, `at="key"`)."""
        self.context.fail(self.path_of(key), message, at=at)

    def fail_table(self, message: str) -> NoReturn:
        """Raise `message` at this table's header."""
        self.context.fail(self.path, message, at="table")

    def check_keys(self, valid: Collection[str]) -> None:
        """Refuse keys (set here, not in the fallback) that are not in `valid`."""
        for key in self.data:
            if key not in valid:
                self.fail(
                    key, f"unknown key '{key}' in {self.label}{suggest(key, valid)}", at="key"
                )

    def require(self, key: str) -> object:
        """The value of `key`; its absence is an error at the table's header."""
        if not self.has(key):
            self.fail_table(f"missing required key '{key}' in {self.label}")
        return self.raw(key)

    def _typed(self, key: str, types: tuple[type, ...], expected: str) -> object:
        value = self.raw(key)
        # bool is an int subclass in Python, never in TOML: `gpus = true` is not a number.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            self.fail(key, f"'{key}' must be {expected}, not {describe(value)}")
        return value

    def string(self, key: str, default: str) -> str:
        """A string, or `default` when not set."""
        if not self.has(key):
            return default
        return str(self._typed(key, (str,), "a string"))

    def optional_string(self, key: str) -> str | None:
        """A string, or None when not set."""
        return self.string(key, "") if self.has(key) else None

    def required_string(self, key: str) -> str:
        """A non-empty string that must be set."""
        self.require(key)
        value = self.string(key, "")
        if not value:
            self.fail(key, f"'{key}' must not be empty")
        return value

    def integer(self, key: str, default: int, *, minimum: int, maximum: int) -> int:
        """An integer (never a boolean) from `minimum` to `maximum`, or `default` when not set."""
        if not self.has(key):
            return default
        value = self._typed(key, (int,), "an integer")
        assert isinstance(value, int)
        if value < minimum:
            self.fail(key, f"'{key}' must be at least {minimum}, not {value}")
        if value > maximum:
            self.fail(key, f"'{key}' must be at most {maximum}, not {value}")
        return value

    def number(self, key: str, default: float | None, *, minimum: float, maximum: float,
               above: bool = False) -> float | None:  # fmt: skip
        """A number (an integer or a float, never a boolean) from `minimum` (more than it, with
        `above`) to `maximum`, or `default` when not set."""
        if not self.has(key):
            return default
        value = self._typed(key, (int, float), "a number")
        assert isinstance(value, int | float)
        if value != value or (value <= minimum if above else value < minimum):
            self.fail(key, f"'{key}' must be {'more than' if above else 'at least'} {minimum:g}, "
                           f"not {value}")  # fmt: skip
        if value > maximum:
            self.fail(key, f"'{key}' must be at most {maximum:g}, not {value}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        """`true` or `false`, or `default` when not set."""
        if not self.has(key):
            return default
        return bool(self._typed(key, (bool,), "true or false"))

    def choice(self, key: str, choices: Collection[str], default: str) -> str:
        """One of `choices` (a string), or `default` when not set."""
        if not self.has(key):
            return default
        value = self.string(key, default)
        if value not in choices:
            self.fail(
                key,
                f"'{key}' must be {quoted_list(choices)}, not \"{value}\"{did_you_mean(value, choices)}",
            )
        return value

    def duration(self, key: str, default: float, *, allow_zero: bool = False) -> float:
        """Seconds from a duration string like "5m", or `default` when not set."""
        found = self.optional_duration(key, allow_zero=allow_zero)
        return default if found is None else found

    def optional_duration(self, key: str, *, allow_zero: bool = False) -> float | None:
        """Seconds from a duration string like "5m", or None when not set."""
        if not self.has(key):
            return None
        value = self.raw(key)
        if not isinstance(value, str):
            self.fail(key, f"'{key}' must be a duration string like \"5m\", not {describe(value)}")
        try:
            seconds = parse_duration(value)
        except ValueError as error:
            self.fail(key, f"'{key}': {error}")
        if seconds == 0 and not allow_zero:
            self.fail(key, f"'{key}' must be longer than zero")
        return seconds

    def name(self, key: str, what: str) -> str:
        """A required name matching `[a-z0-9][a-z0-9_-]*`; `what` names it in messages."""
        value = self.required_string(key)
        check_name(self, key, value, what)
        return value

    def subtable(self, key: str, label: str) -> Table | None:
        """The table at `key` (set here only), or None when not set."""
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, dict):
            self.fail(key, f"'{key}' must be a table, not {describe(value)}")
        return Table(self.context, value, (*self.path, key), label)


def check_name(table: Table, key: str, value: str, what: str) -> None:
    """Refuse `value` (at `key` of `table`) unless it matches `[a-z0-9][a-z0-9_-]*`."""
    if not _NAME.fullmatch(value):
        table.fail(
            key,
            f'{what} "{value}" is not a valid name: use lowercase letters, digits, "-" and "_", '
            "starting with a letter or digit",
        )
