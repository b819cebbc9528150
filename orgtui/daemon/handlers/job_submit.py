"""`job_submit`: check, snapshot and queue a job (see `daemon/submit.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.daemon.submit import submit

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    return await submit(orgd, args)
