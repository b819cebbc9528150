"""`reload`: apply the saved org file now, or (`dry_run`) say what it would change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.config import ConfigError
from orgtui.protocol.codec import decode
from orgtui.protocol.messages import BAD_REQUEST, RequestError
from orgtui.protocol.org import Reload, Reloaded
from orgtui.protocol.status import Plan

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Reload


async def handle(orgd: Orgd, req: Reload, peer: Peer) -> Reloaded:
    try:
        plan = await orgd.reload(dry_run=req.dry_run)
    except ConfigError as e:
        raise RequestError(f"{e}\n(nothing changed: the org runs the version applied before)",
                           BAD_REQUEST) from None  # fmt: skip
    return Reloaded(
        dry_run=req.dry_run,
        plan=decode(Plan, plan.to_json()),
        lines=plan.lines(),
        hash=orgd.cfg.source_hash,
        applied_at=orgd.applied_at,
    )
