"""The envelope of every message between orgd and its clients, the protocol version, the error
codes, and `Request`, the base of every request type.

A request is `{"v": VERSION, "type": NAME, "args": {...}}`; a response is
`{"v": VERSION, "ok": true, "result": ...}` or `{"v": VERSION, "ok": false, "error": TEXT,
"code": CODE}`. `args` and `result` are the JSON of a request's and of its reply's dataclass
(`protocol/codec.py`); `protocol/requests.py` names every request orgd answers.

`hello` is answered whatever version a client speaks, with the same three keys in every
version (`org`, `pid`, `protocol`): so a client can always learn which orgd it met.
"""

from __future__ import annotations

import typing
from typing import Any, ClassVar, Generic, TypeVar

VERSION = 3

# Error codes a client can act on.
BAD_REQUEST = "bad_request"
BAD_VERSION = "bad_version"
NOT_FOUND = "not_found"
TIMEOUT = "timeout"
FAILED = "failed"

R = TypeVar("R")


class Request(Generic[R]):
    """A request whose reply is an `R`: subclasses are frozen dataclasses, declared as
    `class JobShow(Request[Job])` with `NAME: ClassVar[str] = "job_show"` (its type on the
    wire; upper case, as a field may be called `name`); `reply` (here `Job`) is taken from
    that declaration."""

    NAME: ClassVar[str]
    reply: ClassVar[type[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if typing.get_origin(base) is Request:
                (cls.reply,) = typing.get_args(base)


def ok(result: Any) -> dict[str, Any]:
    """A successful response carrying `result` (JSON already)."""
    return {"v": VERSION, "ok": True, "result": result}


def error(message: str, code: str = FAILED) -> dict[str, Any]:
    """A failed response with a message for the user."""
    return {"v": VERSION, "ok": False, "error": message, "code": code}


class RequestError(Exception):
    """A request orgd refused; `code` is one of the codes above."""

    def __init__(self, message: str, code: str = FAILED) -> None:
        super().__init__(message)
        self.code = code
