"""Requests and responses between orgd and its clients, and the protocol version.

A request is `{"v": VERSION, "type": NAME, "args": {...}}`; a response is
`{"v": VERSION, "ok": true, "result": ...}` or `{"v": VERSION, "ok": false, "error": TEXT,
"code": CODE}`. `REQUEST_TYPES` names every request orgd answers; each has one handler file in
`orgtui/daemon/handlers/`.
"""

from __future__ import annotations

from typing import Any

VERSION = 1

REQUEST_TYPES = (
    "hello", "status", "send", "post", "restart", "down",
    "job_submit", "job_list", "job_show", "job_cancel", "job_wait",
)  # fmt: skip

# Error codes a client can act on.
BAD_REQUEST = "bad_request"
BAD_VERSION = "bad_version"
NOT_FOUND = "not_found"
TIMEOUT = "timeout"
FAILED = "failed"


def request(type_: str, **args: Any) -> dict[str, Any]:
    """A request of `type_` with `args`."""
    return {"v": VERSION, "type": type_, "args": args}


def ok(result: Any) -> dict[str, Any]:
    """A successful response carrying `result`."""
    return {"v": VERSION, "ok": True, "result": result}


def error(message: str, code: str = FAILED) -> dict[str, Any]:
    """A failed response with a message for the user."""
    return {"v": VERSION, "ok": False, "error": message, "code": code}


class RequestError(Exception):
    """A request orgd refused; `code` is one of the codes above."""

    def __init__(self, message: str, code: str = FAILED) -> None:
        super().__init__(message)
        self.code = code
