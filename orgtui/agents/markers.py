"""What an agent's screen says it is doing, per agent kind: working, waiting for input, or
waiting for a person.

Each kind whose program orgtui knows (Claude Code, Codex) has one table of markers, RE2
patterns (linear in the screen: they run on orgd's event loop), looked for on the screen's
last `MARKER_ROWS` rows that hold text:

- `person`: it asks the person something (a permission question, a folder's trust): no
  message may be typed, and the cockpit says it waits for you;
- `working`: its spinner or status line says it is working: no message may be typed, and it
  is `busy` however long its screen stays still or keeps changing;
- `input`: its prompt is there, waiting for a message (typed once the screen is quiet).

A screen showing none of its kind's markers (a new version's screens, a program that is not
the CLI yet) falls back to the quiet-screen rule, as an agent of any other kind does. The
markers were read off real screens (`tests/data/screens/`, with how they were recorded); an
agent's `ready` pattern in the org file replaces its kind's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orgtui.config.patterns import ready_in

Mark = Literal["person", "working", "input"]
"""What the screen says, the first of these its markers show (a question stands over a
spinner behind it, a spinner over the prompt drawn below it)."""

MARKER_ROWS = 12


@dataclass(frozen=True)
class Markers:
    """One kind's table: the patterns (RE2, `^`/`$` at each row) for each `Mark`."""

    person: tuple[str, ...]
    working: tuple[str, ...]
    input: tuple[str, ...]

    def patterns(self) -> tuple[tuple[Mark, str], ...]:
        return (
            ("person", _any(self.person)),
            ("working", _any(self.working)),
            ("input", _any(self.input)),
        )


def _any(patterns: tuple[str, ...]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


TABLES: dict[str, Markers] = {
    # Claude Code 2.1 (tests/data/screens/claude-*.txt).
    "claude": Markers(
        person=(
            r"Do you want to (?:proceed|make this edit|create|use this API key|allow)",
            r"Is this a project you created or one you trust",
            r"^\s*❯ 1\. Yes",
            r"Esc to cancel · Tab to amend",
            r"Enter to confirm · Esc to cancel",
        ),
        working=(
            r"esc to interrupt",
            r"^[·✢✳✶✻✽*] \S+… ",  # the spinner line while it works (done: `✻ Brewed for 40s`)
        ),
        input=(r"^─{8,}\n❯(?:[ \x{a0}]|$)",),  # the prompt box's top rule, then its prompt
    ),
    # Codex 0.171 (tests/data/screens/codex-*.txt).
    "codex": Markers(
        person=(
            r"Would you like to (?:run the following command|make the following edits)",
            r"Press enter to confirm or esc to cancel",
            r"Trust this folder\?",
            r"^\s*› 1\. (?:Yes|Trust|Allow)",
            r"^\s*Allow .+\?\s*$",
        ),
        working=(
            r"esc to interrupt",
            r"^• Working \(",
        ),
        input=(r"^› ",),
    ),
}


def table_for(kind: str, ready: str | None) -> Markers | None:
    """The table that reads an agent of `kind` (None: the quiet-screen rule alone); an
    agent's own `ready` pattern replaces it."""
    return None if ready is not None else TABLES.get(kind)


def tail(screen: list[str], rows: int = MARKER_ROWS) -> str:
    """The screen's last `rows` rows holding text, trailing spaces dropped, as one text."""
    kept = [row.rstrip() for row in screen]
    while kept and not kept[-1]:
        kept.pop()
    text_rows = [i for i, row in enumerate(kept) if row]
    start = text_rows[-rows] if len(text_rows) >= rows else 0
    return "\n".join(kept[start:])


def read_screen(screen: list[str], table: Markers | None) -> Mark | None:
    """What the screen's markers say (None: no table, or none of its markers is there)."""
    if table is None:
        return None
    text = tail(screen)
    for mark, pattern in table.patterns():
        if pattern and ready_in(pattern, text):
            return mark
    return None
