"""The built-in researcher's pure parts: the knobs at the top of train.py, the search space,
and the verdict on an experiment against its baseline.

A knob is a line `name = value` between train.py's `# -- knobs` and `# -- end of knobs`
markers. The verdict is the program's rule: a change wins only if its mean beats the
baseline's mean by more than the baseline's seed spread (max minus min), at no more compute
than the baseline used, and (when a change was kept already) beats the best kept so far.
"""

from __future__ import annotations

import re
import statistics
import tomllib
from dataclasses import dataclass
from pathlib import Path

START, END = "# -- knobs", "# -- end of knobs"
LINE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*) = (?P<value>[^#\n]+?)\s*(?P<rest>#.*)?$")
FLOPS_SLACK = 1.02
"""With a FLOPs budget, runs take whole steps: a run is at its baseline's compute when it used
no more than the baseline's FLOPs plus one of the baseline's steps (this share of them when
the baseline's steps are not known)."""


def compute_allowed(base_flops: float, base_steps: float | None) -> float:
    """The most FLOPs a run may use and still be at the baseline's compute."""
    if base_steps:
        return base_flops * (1 + 1 / base_steps)
    return base_flops * FLOPS_SLACK


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


@dataclass(frozen=True)
class Verdict:
    win: bool
    why: str


def verdict(
    baseline: list[float], allowed_flops: float, runs: list[float], flops: float, goal: str,
    best: float | None = None,
) -> Verdict:  # fmt: skip
    """Whether `runs` (one change, its seeds, `flops` the most any used) beat `baseline` (the
    baseline's seeds; `allowed_flops` from `compute_allowed`)."""
    if not baseline or not runs:
        return Verdict(False, "no result to compare")
    sign = 1 if goal == "minimize" else -1
    base, mine = statistics.mean(baseline), statistics.mean(runs)
    spread = max(baseline) - min(baseline)
    gain = sign * (base - mine)
    said = f"{mine:.4f} vs baseline {base:.4f} (seed spread {spread:.4f})"
    if allowed_flops and flops > allowed_flops:
        return Verdict(False, f"{said}, but it used more compute than the baseline "
                              f"({flops:.3g} > {allowed_flops:.3g} FLOPs): not a win")  # fmt: skip
    if gain <= spread:
        what = "worse" if gain < 0 else "within the noise"
        return Verdict(False, f"{said}: {what}")
    if best is not None and sign * (best - mine) <= 0:
        return Verdict(False, f"{said}: beats the baseline, not the best kept ({best:.4f})")
    return Verdict(True, f"{said}: better by {gain:.4f}, beyond the noise")
