"""orgd's request handlers, one file per request type: `async handle(orgd, args, peer)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from orgtui.daemon.handlers import (
    down,
    hello,
    job_cancel,
    job_list,
    job_show,
    job_submit,
    job_wait,
    post,
    reload,
    restart,
    send,
    status,
)

Handler = Callable[[Any, dict[str, Any], Any], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    "hello": hello.handle,
    "status": status.handle,
    "send": send.handle,
    "post": post.handle,
    "restart": restart.handle,
    "reload": reload.handle,
    "down": down.handle,
    "job_submit": job_submit.handle,
    "job_list": job_list.handle,
    "job_show": job_show.handle,
    "job_cancel": job_cancel.handle,
    "job_wait": job_wait.handle,
}
