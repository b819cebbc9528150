"""The built-in researcher's pure parts: the knobs at the top of train.py, the search space,
and what the ledger says the researcher did (`history`).

A knob is a line `name = value` between train.py's `# -- knobs` and `# -- end of knobs`
markers. The researcher judges nothing itself: each change is a group of seeds, and the
ledger's verdict on it decides. A group's description (`agent: name=value`) says which change
it tried, so a restarted researcher reads back from its groups what it tried, what it kept
(the `better` groups whose commit is still on its branch) and what is still being judged.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from orgtui.enums import JobKind
from orgtui.judge.verdict import Verdict as Judged
from orgtui.judge.verdict import summary
from orgtui.protocol.codec import encode
from orgtui.protocol.groups import Group

START, END = "# -- knobs", "# -- end of knobs"
LINE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*) = (?P<value>[^#\n]+?)\s*(?P<rest>#.*)?$")
DESCRIBED = re.compile(r"^(?P<agent>\S+): (?P<name>[a-z_][a-z0-9_]*)=(?P<value>\S+)$")


class KnobError(Exception):
    pass


def _block(text: str) -> tuple[int, int]:
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(START))
        end = next(i for i, line in enumerate(lines) if line.startswith(END))
    except StopIteration:
        raise KnobError(f"train.py has no '{START}' ... '{END}' block") from None
    return start, end


def read_knobs(text: str) -> dict[str, str]:
    """The knobs and their values (as written) in train.py's text."""
    start, end = _block(text)
    found = {}
    for line in text.splitlines()[start + 1 : end]:
        m = LINE.match(line)
        if m:
            found[m["name"]] = m["value"]
    return found


def set_knob(text: str, name: str, value: str) -> str:
    """train.py's text with knob `name` set to `value` (a Python literal)."""
    knobs = read_knobs(text)
    if name not in knobs:
        raise KnobError(f"no knob {name!r} (the knobs: {', '.join(knobs)})")
    literal(value)
    start, end = _block(text)
    lines = text.splitlines(keepends=True)
    for i in range(start + 1, end):
        m = LINE.match(lines[i].rstrip("\n"))
        if m and m["name"] == name:
            lines[i] = f"{name} = {value}\n"
    return "".join(lines)


def literal(value: str) -> float:
    """A knob's value must be a number."""
    try:
        return float(value)
    except ValueError:
        raise KnobError(f"{value!r} is not a number") from None


@dataclass(frozen=True)
class Knob:
    name: str
    default: str
    values: tuple[str, ...]
    note: str


def load_space(path: Path) -> list[Knob]:
    data = tomllib.loads(path.read_text())
    return [
        Knob(
            name,
            str(spec.get("default", "")),
            tuple(str(v) for v in spec.get("values", [])),
            spec.get("note", ""),
        )  # fmt: skip
        for name, spec in data.get("knobs", {}).items()
    ]


def plan(space: list[Knob], start: str | None) -> list[tuple[str, str]]:
    """Every (knob, value) to try, one change each, beginning at knob `start`."""
    names = [k.name for k in space]
    first = names.index(start) if start in names else 0
    ordered = space[first:] + space[:first]
    return [(k.name, v) for k in ordered for v in k.values]


# -- what the ledger says ---------------------------------------------------------------


def describe(agent: str, name: str, value: str) -> str:
    """The description of the group that tries `name=value`: how a restarted researcher
    knows it tried that change."""
    return f"{agent}: {name}={value}"


def change_of(group: Group, agent: str) -> tuple[str, str] | None:
    """The change (knob, value) an experiment group of `agent`'s tried, from its
    description; None for any other group."""
    m = DESCRIBED.match(group.description)
    if group.kind != JobKind.EXPERIMENT or m is None or m["agent"] != agent:
        return None
    return m["name"], m["value"]


def final(group: Group) -> bool:
    """Whether the group's verdict stands: judged, and not `pending`."""
    return group.verdict is not None and group.verdict.verdict != "pending"


def said(group: Group) -> str:
    """The verdict's one line (`judge.verdict.summary`), as the CLI prints it."""
    if group.verdict is None:
        return "not judged yet"
    return summary(Judged.from_json(encode(group.verdict)))


@dataclass(frozen=True)
class History:
    """What the researcher did, read back from its groups and its branch."""

    tried: frozenset[tuple[str, str]]
    """Every change a group of its tried, whatever came of it."""
    done: tuple[str, ...]
    """One line per group with a final verdict, oldest first."""
    kept: tuple[Group, ...]
    """The `better` groups whose commit is still on its branch, oldest first."""
    unfinished: tuple[Group, ...]
    """Its groups still running, or judged `pending` (their reference still runs)."""
    best: tuple[float, str] | None
    """The best mean among the kept groups, and its change."""


def history(groups: list[Group], agent: str, branch: Collection[str], goal: str) -> History:
    """What `agent` did, from the ledger's `groups` (any agent's, any order) and `branch`
    (the commits on its branch); `goal` is the metric's, `minimize` or `maximize`."""
    mine = [(g, c) for g in sorted(groups, key=lambda g: g.id) if (c := change_of(g, agent))]
    ended = [(g, c) for g, c in mine if final(g)]
    kept = [(g, c) for g, c in ended if g.verdict is not None
            and g.verdict.verdict == "better" and g.commit in branch]  # fmt: skip
    sign = 1.0 if goal == "minimize" else -1.0
    means = [(g.verdict.mean, f"{n}={v}") for g, (n, v) in kept
             if g.verdict is not None and g.verdict.mean is not None]  # fmt: skip
    return History(
        tried=frozenset(c for _, c in mine),
        done=tuple(
            f"{n}={v}: {g.verdict.verdict if g.verdict else '-'} (group {g.id})"
            for g, (n, v) in ended
        ),
        kept=tuple(g for g, _ in kept),
        unfinished=tuple(g for g, _ in mine if not final(g)),
        best=min(means, key=lambda m: sign * m[0]) if means else None,
    )
