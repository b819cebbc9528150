"""Every request orgd answers, by its name on the wire, and reading one from a frame.

Each has one handler file in `orgtui/daemon/handlers/` (a test checks that the two agree).
"""

from __future__ import annotations

from typing import Any

from orgtui.protocol.ablations import Ablate, AblationWait
from orgtui.protocol.codec import FieldError, decode
from orgtui.protocol.groups import Baseline, GroupList, GroupShow, GroupWait
from orgtui.protocol.jobs import JobCancel, JobList, JobShow, JobSubmit, JobWait
from orgtui.protocol.messages import BAD_REQUEST, Request, RequestError
from orgtui.protocol.org import Down, Hello, Post, Reload, Restart, Send
from orgtui.protocol.progress import Progress
from orgtui.protocol.promotions import Promote, PromotionWait
from orgtui.protocol.status import Status

REQUESTS: dict[str, type[Request[Any]]] = {
    cls.NAME: cls
    for cls in (
        Hello,
        Status,
        Send,
        Post,
        Restart,
        Reload,
        Down,
        JobSubmit,
        JobList,
        JobShow,
        JobCancel,
        JobWait,
        GroupList,
        GroupShow,
        GroupWait,
        Baseline,
        Promote,
        PromotionWait,
        Progress,
        Ablate,
        AblationWait,
    )  # fmt: skip
}


def decode_request(message: dict[str, Any]) -> Request[Any]:
    """The request a frame holds (its version already checked); a `bad_request` RequestError
    naming the request and the field when it is not one."""
    name = message.get("type")
    cls = REQUESTS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise RequestError(
            f"unknown request type {name!r} (known: {', '.join(REQUESTS)})", BAD_REQUEST
        )
    args = message.get("args", {})
    if not isinstance(args, dict):
        raise RequestError(f"{name}: request args must be an object", BAD_REQUEST)
    try:
        return decode(cls, args)
    except FieldError as e:
        raise RequestError(f"{name}: {e}", BAD_REQUEST) from None
