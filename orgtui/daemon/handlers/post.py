"""`post`: append a signed, timestamped message to the board or an agent's inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.daemon import comms
from orgtui.daemon.handlers import args as A
from orgtui.protocol.messages import BAD_REQUEST, RequestError
from orgtui.tmux.quoting import clean_text

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    to = args.get("to")
    if to is not None:
        to = A.agent(orgd, A.text(args, "to")).spec.name
    author = clean_text(A.text(args, "author", "person")).replace("\n", " ").strip() or "person"
    text = clean_text(A.text(args, "text"))
    if not text.strip():
        raise RequestError("the message is empty", BAD_REQUEST)
    path = comms.post(orgd.comms, author, to, text)
    return {"file": str(path), "to": to}
