"""`post`: append a signed, timestamped message to the board or an agent's inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.daemon import comms
from orgtui.daemon.handlers import _lookup
from orgtui.protocol.messages import BAD_REQUEST, RequestError
from orgtui.protocol.org import Post, Posted
from orgtui.tmux.quoting import clean_text

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Post


async def handle(orgd: Orgd, req: Post, peer: Peer) -> Posted:
    to = None if req.to is None else _lookup.agent(orgd, req.to).spec.name
    author = clean_text(req.author).replace("\n", " ").strip() or "person"
    text = clean_text(req.text)
    if not text.strip():
        raise RequestError("the message is empty", BAD_REQUEST)
    path = comms.post(orgd.comms, author, to, text)
    return Posted(file=str(path), to=to)
