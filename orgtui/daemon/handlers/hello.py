"""`hello`: orgd answers; used by `up` to know orgd is serving."""

from __future__ import annotations

import os
from typing import Any

from orgtui.protocol.messages import VERSION


async def handle(orgd: Any, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    return {"org": orgd.cfg.org.name, "pid": os.getpid(), "protocol": VERSION}
