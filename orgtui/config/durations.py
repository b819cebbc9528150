"""Durations and clock times as the org file writes them.

`parse_duration("90s" | "5m" | "2h" | "1d" | "1.5h")` gives seconds; `format_duration` writes
seconds back in that notation for messages; `parse_clock("09:00")` gives `(hour, minute)`.
"""

from __future__ import annotations

import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_CLOCK = re.compile(r"(\d\d):(\d\d)")
MAX_DURATION = 365 * 86400.0
"""The longest duration (a year): longer ones are typos, and overflow the clocks they set."""


def parse_duration(text: str) -> float:
    """Seconds in `text`: a number (digits, optionally `.digits`) and one unit of s, m, h or d.

    Nothing else is accepted: no spaces, no sign, no compound `1h30m`, no bare number, nothing
    over `MAX_DURATION`. Raises ValueError with a message that shows the accepted form.
    """
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(
            f"invalid duration {_shown(text)}: write a number and a unit s, m, h or d, "
            'like "90s", "5m", "1.5h" or "1d"'
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_DURATION:
        raise ValueError(f"duration {_shown(text)} is too long: at most 365d")
    return seconds


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 20 else repr(text[:17] + "...")


def format_duration(seconds: float) -> str:
    """`seconds` in the largest unit that keeps it whole, e.g. 1800 -> "30m", 90 -> "90s"."""
    for unit in ("d", "h", "m"):
        count = seconds / _UNIT_SECONDS[unit]
        if count >= 1 and count == int(count):
            return f"{int(count)}{unit}"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:g}s"


def readable(seconds: float | None) -> str:
    """Seconds as a person reads them: 45s, 12m 5s, 3h 20m, 2d 4h; '-' for None."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    for unit, size, small, small_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60),
                                          ("m", 60, "s", 1)):  # fmt: skip
        if whole >= size:
            big, rest = divmod(whole, size)
            part = rest // small_size
            return f"{big}{unit} {part}{small}" if part else f"{big}{unit}"
    return f"{whole}s"


def parse_clock(text: str) -> tuple[int, int]:
    """`(hour, minute)` of a 24-hour local time written `HH:MM` (`00:00` to `23:59`).

    Raises ValueError naming the accepted form.
    """
    match = _CLOCK.fullmatch(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f'invalid time {text!r}: write a 24-hour local time HH:MM, like "09:00"')
    return int(match.group(1)), int(match.group(2))
