"""The researcher's pure parts on the real train.py and search space: knobs read and set, and
the plan of changes. (It judges nothing itself: the ledger's verdicts decide.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.research import knobs as K

TASK = Path(__file__).resolve().parents[2] / "orgtui" / "research" / "tinychat"


def test_knobs_of_train_py_are_read_and_set_one_line_at_a_time() -> None:
    text = (TASK / "train.py").read_text()
    knobs = K.read_knobs(text)
    assert knobs["softcap"] == "15.0" and knobs["n_layer"] == "2"
    changed = K.set_knob(text, "softcap", "0.0")
    assert K.read_knobs(changed) == {**knobs, "softcap": "0.0"}
    assert changed.replace("softcap = 0.0\n", "softcap = 15.0\n", 1) == text
    with pytest.raises(K.KnobError, match="no knob 'dropout'"):
        K.set_knob(text, "dropout", "0.1")
    with pytest.raises(K.KnobError, match="not a number"):
        K.set_knob(text, "lr", "fast")


def test_every_knob_of_the_search_space_is_in_train_py_and_the_plan_starts_where_asked() -> None:
    space = K.load_space(TASK / "search_space.toml")
    knobs = K.read_knobs((TASK / "train.py").read_text())
    for knob in space:
        assert float(knobs[knob.name]) == float(knob.default), knob.name
    plan = K.plan(space, "lr")
    assert plan[0][0] == "lr" and plan[-1][0] == "softcap"
    assert len(plan) == sum(len(k.values) for k in space)
    assert K.plan(space, None)[0] == ("softcap", "0.0")
