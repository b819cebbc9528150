"""`reload`: apply the saved org file now, or (`dry_run`) say what it would change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.config import ConfigError
from orgtui.protocol.messages import BAD_REQUEST, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    dry_run = bool(args.get("dry_run"))
    try:
        plan = await orgd.reload(dry_run=dry_run)
    except ConfigError as e:
        raise RequestError(f"{e}\n(nothing changed: the org runs the version applied before)",
                           BAD_REQUEST) from None  # fmt: skip
    return {
        "dry_run": dry_run,
        "plan": plan.to_json(),
        "lines": plan.lines(),
        "hash": orgd.cfg.source_hash,
        "applied_at": orgd.applied_at,
    }
