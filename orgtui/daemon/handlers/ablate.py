"""`ablate`: one leave-one-out group per part of a `better` group's change, each judged
against the whole change (`daemon/ablate.py`). Asked by a person or any agent; an ablation
already made is answered as it stands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon.handlers import _lookup
from orgtui.protocol.ablations import Ablate, Ablation, role
from orgtui.protocol.codec import decode
from orgtui.protocol.messages import NOT_FOUND, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Ablate


async def handle(orgd: Orgd, req: Ablate, peer: Peer) -> Ablation:
    await orgd.ablator.start(req.group, _lookup.verified_author(orgd, peer))
    return ablation(orgd, req.group)


def ablation(orgd: Orgd, gid: int) -> Ablation:
    """The ablation of group `gid` as it stands."""
    ledger, research = orgd.jobs.ledger, orgd.cfg.research
    rows = ledger.ablation(gid)
    whole = ledger.group(gid)
    if not rows or whole is None:
        raise RequestError(f"group {gid} was not ablated: `orgtui ablate {gid}`", NOT_FOUND)
    parts, done = [], True
    for row in rows:
        group = ledger.group(row.group) if row.group is not None else None
        verdict = group.verdict if group else None
        judged = group.judgement if group else {}
        done = done and (group is None or verdict not in (None, "pending"))
        parts.append({
            "commit": row.part, "subject": row.subject, "code": row.code, "group": row.group,
            "verdict": verdict, "delta": judged.get("delta"), "sigma": judged.get("sigma"),
            "role": role(verdict, row.conflicts), "conflicts": list(row.conflicts),
        })  # fmt: skip
    return decode(Ablation, {"group": gid, "reference": whole.reference,
                             "metric": research.metric, "goal": research.goal,
                             "parts": parts, "done": done})  # fmt: skip
