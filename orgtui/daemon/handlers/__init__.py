"""orgd's request handlers, one file per request type: `async handle(orgd, args, peer)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from orgtui.daemon.handlers import down, hello, post, restart, send, status

Handler = Callable[[Any, dict[str, Any], Any], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    "hello": hello.handle,
    "status": status.handle,
    "send": send.handle,
    "post": post.handle,
    "restart": restart.handle,
    "down": down.handle,
}
