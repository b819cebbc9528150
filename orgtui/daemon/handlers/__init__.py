"""orgd's request handlers, one file per request type, each named after its request.

A handler module declares `REQUEST` (the request's class) and `async def handle(orgd, req,
peer) -> reply`; it receives the request already decoded and checked field by field, and
checks only what needs the org (the agent exists, the budget is within `max_time`). The
modules whose names start with `_` are what several handlers share.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from orgtui.daemon.handlers import (
    ablate,
    ablation_wait,
    baseline,
    down,
    group_list,
    group_show,
    group_wait,
    hello,
    job_cancel,
    job_list,
    job_show,
    job_submit,
    job_wait,
    post,
    progress,
    promote,
    promotion_wait,
    reload,
    restart,
    send,
    status,
)
from orgtui.protocol.messages import Request

Handler = Callable[[Any, Any, Any], Awaitable[Any]]

MODULES: tuple[ModuleType, ...] = (
    hello, status, send, post, restart, reload, down,
    job_submit, job_list, job_show, job_cancel, job_wait,
    group_list, group_show, group_wait, baseline, promote, promotion_wait, progress,
    ablate, ablation_wait,
)  # fmt: skip

HANDLERS: dict[type[Request[Any]], Handler] = {m.REQUEST: m.handle for m in MODULES}
