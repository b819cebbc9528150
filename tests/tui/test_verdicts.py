"""A verdict as the cockpit shows it: its mark, word and colour, and an agent's latest verdict
at the end of its pane's title."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orgtui.judge.model import VERDICTS
from orgtui.tui.pane import title_for
from orgtui.tui.verdicts import MARKS, label, last_verdict
from tests.tui.snapshot_apps import agent


@pytest.mark.parametrize(
    ("last", "shown"),
    [
        ("group 7: better", ("✓ better g7", "green")),
        ("group 5: within_noise", ("≈ within noise g5", "dim")),
        ("group 4: worse", ("✗ worse g4", "red")),
        ("group 3: invalid", ("! invalid g3", "magenta")),
        ("group 12: more_compute", ("+ more compute g12", "yellow")),
        ("group 2: someday_new", ("? someday new g2", "")),  # a word this cockpit lacks
        (None, None),
        ("", None),
        ("nonsense", None),
    ],
)
def test_last_verdict(last: str | None, shown: tuple[str, str] | None) -> None:
    assert last_verdict(last) == shown


def test_every_verdict_has_a_mark() -> None:
    assert set(MARKS) == set(VERDICTS)
    assert label("within_noise") == ("≈ within noise", "dim")


def test_the_title_ends_with_the_latest_verdict_coloured() -> None:
    info = agent("alice", "solo", "running", "busy", 0.0)
    title, _ = title_for("alice", info, taken=False)
    assert title.plain == "● alice · solo · busy"  # none yet: nothing

    title, _ = title_for("alice", replace(info, last_verdict="group 7: better"), taken=False)
    assert title.plain == "● alice · solo · busy · ✓ better g7"
    start = title.plain.index("✓")
    assert any(
        (s.start, s.end, str(s.style)) == (start, len(title.plain), "green") for s in title.spans
    )

    taken, _ = title_for("alice", replace(info, last_verdict="group 4: worse"), taken=True)
    assert taken.plain.endswith("· busy · ✗ worse g4")
