"""How the cockpit shows a verdict (README, "How results are judged"): a mark, the word and a
colour, the same in a pane's title and in the Jobs section.

`better` green, `within_noise` dim, `worse` red, `invalid` magenta, `more_compute` yellow,
`pending` dim; a word orgd may add later shows as it is, plain."""

from __future__ import annotations

import re

MARKS: dict[str, tuple[str, str]] = {
    "better": ("✓", "green"),
    "within_noise": ("≈", "dim"),
    "worse": ("✗", "red"),
    "invalid": ("!", "magenta"),
    "more_compute": ("+", "yellow"),
    "pending": ("…", "dim"),
}
"""A verdict's mark and colour, by its word."""

_LAST = re.compile(r"group (\d+): (\w+)")


def label(word: str) -> tuple[str, str]:
    """(`✓ better`, `green`): the verdict `word` with its mark, and its colour."""
    mark, style = MARKS.get(word, ("?", ""))
    return f"{mark} {word.replace('_', ' ')}", style


def last_verdict(last: str | None) -> tuple[str, str] | None:
    """(`✓ better g7`, `green`) from an agent's `last_verdict` (`group 7: better`); None when
    it has none (or orgd sent a form this cockpit does not read)."""
    found = _LAST.fullmatch(last.strip()) if last else None
    if found is None:
        return None
    text, style = label(found[2])
    return f"{text} g{found[1]}", style
