"""`orgtui agent --naive`'s pure parts (`research/naive.py`): its plan holds the "bigger is
better" changes too, the number it must beat is the latest change it kept (read back from
its groups on its branch, whatever their verdicts), and any amount in the metric's direction
wins."""

from __future__ import annotations

from orgtui.research import knobs as K
from orgtui.research.naive import last_kept, lower, naive_plan
from tests.research.test_researcher_state import group

SPACE = [
    K.Knob("lr", "0.01", ("0.02",), ""),
    K.Knob("n_embd", "64", ("48", "96"), ""),
    K.Knob("n_layer", "2", ("1", "4"), ""),
]


def test_the_naive_plan_adds_a_bigger_model_to_the_search_space() -> None:
    assert naive_plan(SPACE, "n_embd") == [
        ("n_embd", "48"), ("n_embd", "96"), ("n_embd", "128"),
        ("n_layer", "1"), ("n_layer", "4"),  # 4 is the search space's already
        ("lr", "0.02"),
    ]  # fmt: skip


def test_the_number_to_beat_is_the_latest_change_kept_on_its_branch() -> None:
    ledger = [
        group(2, "nv: warmup_steps=18", "within_noise", 4.35, agent="nv"),  # kept: lower
        group(3, "nv: softcap=0.0", "within_noise", 4.50, agent="nv"),  # dropped
        group(4, "other: lr=0.1", "better", 3.70, agent="other"),
        group(5, "nv: cooldown=0.5", "within_noise", 4.33, agent="nv"),  # kept
        group(6, "nv: n_embd=128", "worse", 7.0, agent="nv"),  # being decided
    ]
    branch = {"c2", "c5", "c6"}
    assert last_kept(ledger, "nv", branch, before=6) == 4.33
    assert last_kept(ledger, "nv", branch, before=5) == 4.35
    assert last_kept(ledger, "nv", branch, before=2) is None  # the baseline's mean then
    assert last_kept(ledger, "nv", set(), before=6) is None


def test_any_amount_in_the_metrics_direction_wins() -> None:
    assert lower(4.44, 4.45, "minimize") and not lower(4.45, 4.45, "minimize")
    assert lower(0.51, 0.5, "maximize") and not lower(0.49, 0.5, "maximize")
    assert not lower(None, 4.0, "minimize") and not lower(4.0, None, "minimize")
