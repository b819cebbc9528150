"""`hello`: orgd answers; used by `up` to know orgd is serving, and by a client of another
protocol version to learn which orgd it met."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from orgtui.protocol.messages import VERSION
from orgtui.protocol.org import Greeting, Hello

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer

REQUEST = Hello


async def handle(orgd: Orgd, req: Hello, peer: Peer) -> Greeting:
    return Greeting(org=orgd.cfg.org.name, pid=os.getpid(), protocol=VERSION)
