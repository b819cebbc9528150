"""`promote`: verify a `better` group with fresh seeds and, if confirmed, merge it
(`daemon/promote.py`). Asked by a person, or by a chief agent from its pane; any other
agent's request is refused."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup
from orgtui.protocol.codec import decode
from orgtui.protocol.messages import BAD_REQUEST, RequestError
from orgtui.protocol.promotions import Promote, Promotion

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer
    from orgtui.ledger.promotions import PromotionRow

REQUEST = Promote


def asker(orgd: Orgd, peer: Peer) -> str:
    """Who asks: a chief agent (from its pane, as the kernel sees the client process), or the
    person (their user name)."""
    name = _lookup.pane_agent(orgd, peer)
    if name is not None:
        agent = orgd.agent(name)
        role = agent.spec.role if agent else "not in this org"
        if role != "chief":
            raise RequestError(
                f"a promotion is asked for by a person or a chief, and this comes from agent "
                f"{name}'s pane ({role}): post the group to the board for your chief instead",
                BAD_REQUEST,
            )
        return name
    return _lookup.verified_author(orgd, peer)


async def handle(orgd: Orgd, req: Promote, peer: Peer) -> Promotion:
    row = await orgd.promoter.start(req.group, asker(orgd, peer))
    return decode(Promotion, promotion_json(row))


def promotion_json(row: PromotionRow) -> dict[str, object]:
    return asdict(row)
