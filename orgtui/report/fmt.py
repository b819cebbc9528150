"""Numbers, durations and Markdown tables as the report and eval write them."""

from __future__ import annotations

from collections.abc import Sequence


def num(value: float | int | None, spec: str = ".6g") -> str:
    """`value` formatted with `spec`, or '-' for None."""
    return "-" if value is None else format(value, spec)


def time_unit(horizon: float) -> tuple[float, str]:
    """How a plot's time axis counts: (seconds per unit, the unit's name)."""
    if horizon >= 3 * 3600:
        return 3600.0, "hours"
    if horizon >= 120:
        return 60.0, "minutes"
    return 1.0, "seconds"


def cell(text: object) -> str:
    """A Markdown table cell: one line, its pipes escaped, no HTML."""
    one = " ".join(str(text).split())
    return one.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;") or " "


def md_table(head: Sequence[str], rows: Sequence[Sequence[object]], right: int = 0) -> str:
    """A plain Markdown table; the columns from `right` on are right-aligned (numbers)."""
    align = ["---:" if right and i >= right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
