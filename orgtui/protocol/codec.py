"""Dataclasses to JSON and back, from the fields' annotations.

`decode(cls, data)` checks a JSON value against a dataclass and builds it; `encode(obj)` is
the JSON value of one. Field types it knows: str, int, float, bool, `X | None` and other
unions, `Literal[...]`, StrEnums, `list[X]`, `tuple[X, ...]`, `dict[str, X]` and nested
dataclasses. bool is not an int (JSON's `true` is no job id); an int fits a float field and
stays an int, so a value read and written again prints as it was. A field may also carry a
bound in its metadata (`field(metadata=at_least(1))`), checked when decoded.

A value that does not fit raises `FieldError` naming the field by its path (`gpus`,
`budget.time`, `command[2]`) and saying what it must be, with the value it was.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from typing import Any, Literal, TypeVar

T = TypeVar("T")
Decoder = Callable[[Any, str], Any]
Check = Callable[[Any], str | None]


class FieldError(ValueError):
    """A value that does not fit its field; `path` names the field ('' for the whole)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"'{path}' {message}" if path else message)
        self.path = path
        self.message = message


def at_least(low: float) -> dict[str, Check]:
    """A field's metadata: its value (when not None) is `low` or more."""
    return {"check": lambda v: None if v is None or v >= low else f"must be at least {low:g}"}


def more_than(low: float) -> dict[str, Check]:
    """A field's metadata: its value (when not None) is more than `low`."""
    return {"check": lambda v: None if v is None or v > low else f"must be more than {low:g}"}


def show(value: Any) -> str:
    """A value as the message quotes it: its JSON, cut short."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def decode(cls: type[T], data: Any) -> T:
    """`data` (parsed JSON) as a `cls`; FieldError if it does not fit."""
    value: T = _decoder(typing.cast(Any, cls))(data, "")
    return value


def encode(obj: Any) -> Any:
    """The JSON value of a dataclass (or of a list, dict or plain value holding them)."""
    cls: Any = type(obj)  # Any: the type checker takes no `type` for a cache key
    if cls in _PLAIN:
        return obj
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, list | tuple):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for name, plain in _encoding(cls):
            value = getattr(obj, name)
            out[name] = value if plain else encode(value)
        return out
    return obj


_PLAIN = frozenset((str, int, float, bool, type(None)))


@cache
def _encoding(cls: type) -> tuple[tuple[str, bool], ...]:
    """A dataclass's fields, each with whether its value is JSON as it is (no need to look)."""
    hints = typing.get_type_hints(cls)

    def plain(tp: Any) -> bool:
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            return all(plain(a) for a in typing.get_args(tp))
        return tp in _PLAIN

    return tuple((f.name, plain(hints[f.name])) for f in dataclasses.fields(cls))


# -- building decoders, once per type ---------------------------------------------------


def _describe(tp: Any) -> str:
    """What a value of `tp` is, in a message."""
    origin = typing.get_origin(tp)
    if tp is str:
        return "a string"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is type(None):
        return "null"
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return "one of " + ", ".join(tp)
    if origin is Literal:
        return "one of " + ", ".join(show(a) for a in typing.get_args(tp))
    if origin in (list, tuple):
        return "a list"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "an object"
    return str(tp)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _fail(path: str, tp: Any, value: Any) -> FieldError:
    return FieldError(path, f"must be {_describe(tp)}, not {show(value)}")


@cache
def _decoder(tp: Any) -> Decoder:
    origin = typing.get_origin(tp)
    if tp is bool:
        return _plain(tp, lambda v: isinstance(v, bool))
    if tp is int:
        return _plain(tp, lambda v: isinstance(v, int) and not isinstance(v, bool))
    if tp is float:
        return _plain(tp, lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    if tp is str:
        return _plain(tp, lambda v: isinstance(v, str))
    if tp is type(None):
        return _plain(tp, lambda v: v is None)
    if tp is Any:
        return lambda v, path: v
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return _enum(tp)
    if origin is Literal:
        allowed = typing.get_args(tp)
        return _plain(tp, lambda v: isinstance(v, str | int) and v in allowed)
    if origin in (typing.Union, types.UnionType):
        return _union(tp)
    if origin is list or (origin is tuple and typing.get_args(tp)[1:] == (...,)):
        return _sequence(tp, origin)
    if origin is dict:
        return _mapping(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass(tp)
    raise TypeError(f"the codec has no rule for {tp!r}")


def _plain(tp: Any, fits: Callable[[Any], bool]) -> Decoder:
    def decode(value: Any, path: str) -> Any:
        if not fits(value):
            raise _fail(path, tp, value)
        return value

    return decode


def _enum(tp: type[StrEnum]) -> Decoder:
    members = {m.value: m for m in tp}

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, str) or value not in members:
            raise _fail(path, tp, value)
        return members[value]

    return decode


def _union(tp: Any) -> Decoder:
    arms = typing.get_args(tp)
    optional = type(None) in arms
    rest = [a for a in arms if a is not type(None)]
    decoders = [_decoder(a) for a in rest]

    def decode(value: Any, path: str) -> Any:
        if value is None and optional:
            return None
        if len(decoders) == 1:  # `X | None`: X's own message says what was wrong
            return decoders[0](value, path)
        for arm in decoders:
            try:
                return arm(value, path)
            except FieldError:
                continue
        wanted = " or ".join(_describe(a) for a in rest)
        raise FieldError(path, f"must be {wanted}, not {show(value)}")

    return decode


def _sequence(tp: Any, origin: type) -> Decoder:
    item = _decoder(typing.get_args(tp)[0])

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, list | tuple):
            raise _fail(path, tp, value)
        return origin(item(v, _join(path, i)) for i, v in enumerate(value))

    return decode


def _mapping(tp: Any) -> Decoder:
    key_type, value_type = typing.get_args(tp)
    if key_type is not str:
        raise TypeError(f"JSON objects have string keys, not {key_type!r}")
    item = _decoder(value_type)

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise _fail(path, tp, value)
        return {k: item(v, _join(path, k)) for k, v in value.items()}

    return decode


def _dataclass(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [
        (
            f.name,
            _decoder(hints[f.name]),
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING,
            f.metadata.get("check"),
        )
        for f in dataclasses.fields(cls)
        if f.init
    ]
    names = {f[0] for f in fields}

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _fail(path, cls, value)
        unknown = [k for k in value if k not in names]
        if unknown:
            known = ", ".join(f[0] for f in fields) or "none"
            raise FieldError(_join(path, str(unknown[0])), f"is not a field (fields: {known})")
        kwargs = {}
        for name, field_decoder, optional, check in fields:
            where = _join(path, name)
            if name not in value:
                if optional:
                    continue
                raise FieldError(where, "is missing")
            kwargs[name] = field_decoder(value[name], where)
            problem = check(kwargs[name]) if check else None
            if problem:
                raise FieldError(where, f"{problem}, not {show(value[name])}")
        return cls(**kwargs)

    return decode
