"""`job_cancel`: a queued job is dropped; a running one is stopped (SIGTERM to its process
group, SIGKILL seconds later) and recorded `cancelled`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.daemon.handlers import args as A

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    job = A.job(orgd, args)
    return {"id": job, "state": await orgd.jobs.cancel(job)}
