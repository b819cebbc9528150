"""The org file's patterns, run by RE2 (google-re2): a linear-time engine, so no pattern and no
text can stall orgd, which runs them on its event loop: an agent's `ready` pattern on its
screen, a `[scheduler.metrics]` pattern on each line of a job's log.

`check_ready(pattern)` raises ValueError saying why RE2 cannot run a pattern and what to write
instead; `ready_in(pattern, text)` says whether it is found in `text`, with `^` and `$` matching
at each line's start and end (as with Python's `re.MULTILINE`). `metric_pattern(pattern)` is a
metric's pattern compiled (its groups counted by `.groups`, found by `.search(line)`), with the
same ValueError.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2

SYNTAX = "https://github.com/google/re2/wiki/Syntax"
"""RE2's syntax, which `ready` patterns use."""

_AGAIN = "match the text itself"
# RE2's message (its start) -> what the pattern used, and what to write instead.
_HINTS = (
    (
        re.compile(r"invalid escape sequence: \\[1-9]"),
        f"backreferences (\\1) are not supported: {_AGAIN}",
    ),
    (
        re.compile(r"invalid perl operator: \(\?P$"),
        f"backreferences (?P=name) are not supported: {_AGAIN}",
    ),
    (
        re.compile(r"invalid perl operator: \(\?([=!])"),
        f"lookahead (?{{0}}...) is not supported: {_AGAIN}, e.g. '^> ' rather than '^(?=> )'",
    ),
    (
        re.compile(r"invalid perl operator: \(\?<([=!])"),
        f"lookbehind (?<{{0}}...) is not supported: {_AGAIN}, e.g. '\\$ $' rather than "
        "'(?<=\\$) $'",
    ),
    (
        re.compile(r"invalid escape sequence: \\Z"),
        "RE2 has no \\Z: write \\z for the end of the text ($ is the end of a line)",
    ),
    (
        re.compile(r"bad repetition operator: ([*+?])\+"),
        "possessive quantifiers are not needed, RE2 never backtracks: write a{0} for a{0}+",
    ),
    (
        re.compile(r"invalid perl operator: \(\?>"),
        "atomic groups (?>...) are not needed, RE2 never backtracks: write the group as (...)",
    ),
    (
        re.compile(r"invalid perl operator: \(\?x"),
        "the verbose flag (?x) is not supported: write the pattern without spaces and comments",
    ),
    (
        re.compile(r"invalid perl operator: \(\?#"),
        "comments (?#...) are not supported: leave them out",
    ),
    (
        re.compile(r"pattern too large"),
        "the pattern compiles too large for RE2: use + or * rather than long {{n}} repetitions",
    ),
    (
        re.compile(r"invalid repetition size"),
        "a repetition may count at most {{1000}}: write a shorter one, or + or *",
    ),
)


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern on stderr
    return options


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> Any:
    return _compile(f"(?m){pattern}")


def check_ready(pattern: str) -> None:
    """Raise ValueError, saying why and what to write instead, if RE2 cannot run `pattern`."""
    _compiled(pattern)


def metric_pattern(pattern: str) -> Any:
    """`pattern` compiled by RE2; ValueError, saying why, if RE2 cannot run it."""
    return _compile(pattern)


def _compile(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _options())
    except re2.error as error:
        raw = error.args[0] if error.args else b""
        said = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        said = said.replace("(?m)", "", 1)  # RE2 quotes the whole pattern, with our prefix
        hint = _hint(said)
        raise ValueError(f"{hint} [RE2: {said}]" if hint else f"{said} (see {SYNTAX})") from None


def ready_in(pattern: str, text: str) -> bool:
    """Whether `pattern` (one `check_ready` accepts) is found anywhere in `text`."""
    # RE2 reads UTF-8: a lone surrogate (from bytes decoded with surrogateescape) has no UTF-8
    # form, so it is read as "?".
    return _compiled(pattern).search(text.encode("utf-8", "replace")) is not None


def _hint(said: str) -> str | None:
    for found, hint in _HINTS:
        match = found.match(said)
        if match is not None:
            return hint.format(*match.groups())
    return None
