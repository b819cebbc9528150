"""`post`: append a signed, timestamped message to the board or an agent's inbox.

orgd signs it with the author it can verify, never with the client's word alone: the agent
whose pane the request came from (the connecting process is the pane's program or one of its
descendants, or in its session), else the user the connection's uid names. A claimed author
that differs is kept but marked: `ann (claimed by bob)`.
"""

from __future__ import annotations

import re
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

NOT_NAME = re.compile(r"[^\w.@-]+")


def signature(verified: str, claimed: str) -> str:
    """`verified`, or `claimed (claimed by verified)` when the client claimed someone else
    (the claim reduced to a name's characters, so it cannot imitate the rest of a header)."""
    claimed = NOT_NAME.sub("_", clean_text(claimed)).strip("_")[:64]
    if not claimed or claimed == verified:
        return verified
    return f"{claimed} (claimed by {verified})"


async def handle(orgd: Orgd, req: Post, peer: Peer) -> Posted:
    to = None if req.to is None else _lookup.agent(orgd, req.to).spec.name
    text = clean_text(req.text)
    if not text.strip():
        raise RequestError("the message is empty", BAD_REQUEST)
    author = signature(_lookup.verified_author(orgd, peer), req.author)
    path = comms.post(orgd.comms, author, to, text)
    return Posted(file=str(path), to=to)
