"""The codec: every field type it knows, both ways; each refusal names the field by its path
and says what it must be; bool is not an int; an int in a float field stays an int."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

import pytest

from orgtui.enums import JobKind, JobState
from orgtui.protocol.codec import FieldError, at_least, decode, encode, more_than


@dataclass(frozen=True)
class Inner:
    x: int
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outer:
    name: str
    count: int
    ratio: float
    on: bool
    kind: JobKind
    side: Literal["left", "right"]
    maybe: int | None
    either: int | str
    inner: Inner
    inners: list[Inner]
    scores: dict[str, float]
    pair: tuple[int, ...] = ()
    floor: int = field(default=1, metadata=at_least(1))
    above: float | None = field(default=None, metadata=more_than(0))


GOOD = {
    "name": "n", "count": 3, "ratio": 0.5, "on": True, "kind": "baseline", "side": "left",
    "maybe": None, "either": "x", "inner": {"x": 1, "tags": ["a"]},
    "inners": [{"x": 2}], "scores": {"val_bpb": 2.5, "steps": 10}, "pair": [1, 2],
    "floor": 2, "above": 0.1,
}  # fmt: skip


def refusal(**change: object) -> str:
    with pytest.raises(FieldError) as e:
        decode(Outer, {**GOOD, **change})
    return str(e.value)


def test_a_good_value_decodes_and_encodes_back_to_the_same_json():
    value = decode(Outer, GOOD)
    assert value.kind is JobKind.BASELINE and value.inner == Inner(1, ["a"])
    assert value.inners == [Inner(2, [])] and value.pair == (1, 2)
    assert encode(value) == {**GOOD, "inners": [{"x": 2, "tags": []}]}
    assert json.dumps(encode(value))  # plain JSON: enums are their strings


def test_an_int_fits_a_float_field_and_stays_an_int():
    value = decode(Outer, {**GOOD, "ratio": 2})
    assert value.ratio == 2 and type(value.ratio) is int
    assert json.dumps(encode(value)["ratio"]) == "2"
    assert type(value.scores["steps"]) is int


def test_defaults_fill_missing_fields_and_a_missing_required_one_is_named():
    less = {k: v for k, v in GOOD.items() if k not in ("pair", "floor", "above")}
    assert decode(Outer, less).floor == 1
    with pytest.raises(FieldError, match="'count' is missing"):
        decode(Outer, {k: v for k, v in GOOD.items() if k != "count"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": "x"}, """'count' must be an integer, not "x\""""),
        ({"count": True}, "'count' must be an integer, not true"),
        ({"count": 1.5}, "'count' must be an integer, not 1.5"),
        ({"ratio": False}, "'ratio' must be a number, not false"),
        ({"on": 1}, "'on' must be true or false, not 1"),
        ({"name": None}, "'name' must be a string, not null"),
        ({"maybe": "3"}, """'maybe' must be an integer, not "3\""""),
        ({"either": [1]}, "'either' must be an integer or a string, not [1]"),
        ({"kind": "wild"}, """'kind' must be one of baseline, experiment, verification, other, not "wild\""""),
        ({"side": "up"}, """'side' must be one of "left", "right", not "up\""""),
        ({"inner": [1]}, "'inner' must be an object, not [1]"),
        ({"inner": {"x": 1, "y": 2}}, "'inner.y' is not a field (fields: x, tags)"),
        ({"inner": {"x": 1, "tags": ["a", 7]}}, "'inner.tags[1]' must be a string, not 7"),
        ({"inners": [{"x": 1}, {}]}, "'inners[1].x' is missing"),
        ({"scores": {"a": "b"}}, """'scores.a' must be a number, not "b\""""),
        ({"scores": [1]}, "'scores' must be an object, not [1]"),
        ({"pair": "12"}, """'pair' must be a list, not "12\""""),
        ({"floor": 0}, "'floor' must be at least 1, not 0"),
        ({"above": 0}, "'above' must be more than 0, not 0"),
        ({"extra": 1}, "'extra' is not a field (fields: name, count,"),
    ],
)  # fmt: skip
def test_a_value_that_does_not_fit_is_named_by_its_path(change, message):
    assert message in refusal(**change)


def test_a_long_value_is_cut_short_in_the_message():
    text = refusal(name=list(range(100)))
    assert text.endswith("...") and len(text) < 120


def test_the_whole_value_must_be_an_object():
    with pytest.raises(FieldError, match=r"^must be an object, not \[\]$"):
        decode(Inner, [])


def test_encode_takes_lists_of_dataclasses_and_enums():
    assert encode([Inner(1), JobState.OK, {"a": (1, 2)}]) == [
        {"x": 1, "tags": []},
        "ok",
        {"a": [1, 2]},
    ]
