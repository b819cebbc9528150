"""`status`: the org, its agents and its config, with stable keys (see `Orgd.status`)."""

from __future__ import annotations

from typing import Any


async def handle(orgd: Any, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    if not orgd.shutting_down:
        await orgd.tick()
    return orgd.status()
