"""What several handlers look up in the org: the agent, job or group a request names (or a
`not_found` error that says which ones there are), and who is asking: the agent whose pane a
request came from, found from the kernel's view of the client process (its ancestors and
session), never from what the client says or its environment."""

from __future__ import annotations

import pwd
from typing import TYPE_CHECKING

from orgtui.control import procs
from orgtui.protocol.messages import NOT_FOUND, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.agent import Agent
    from orgtui.daemon.orgd import Orgd
    from orgtui.daemon.peer import Peer
    from orgtui.ledger.rows import GroupRow, JobRow


def agent(orgd: Orgd, name: str) -> Agent:
    found = orgd.agent(name)
    if found is None:
        names = ", ".join(orgd.agents) or "none"
        raise RequestError(
            f"no agent named {name!r} in org {orgd.cfg.org.name} (agents: {names})", NOT_FOUND
        )
    return found


def job(orgd: Orgd, job: int) -> JobRow:
    found = orgd.jobs.ledger.get(job)
    if found is None:
        raise RequestError(f"no job {job} in org {orgd.cfg.org.name}", NOT_FOUND)
    return found


def group(orgd: Orgd, gid: int) -> GroupRow:
    found = orgd.jobs.ledger.group(gid)
    if found is None:
        raise RequestError(f"no group {gid} in org {orgd.cfg.org.name}", NOT_FOUND)
    return found


def pane_agent(orgd: Orgd, peer: Peer) -> str | None:
    """The agent whose pane `peer` runs in (the connecting process is the pane's program or
    one of its descendants, or in its session), or None."""
    panes = {a.life.pid: name for name, a in orgd.agents.items() if a.life.pid and a.life.alive}
    for proc in procs.ancestors(peer.pid):
        for pid in (proc.pid, proc.sid):
            if pid in panes:
                return panes[pid]
    return None


def verified_author(orgd: Orgd, peer: Peer) -> str:
    """The agent whose pane `peer` runs in, else the name of `peer`'s user."""
    found = pane_agent(orgd, peer)
    if found is not None:
        return found
    try:
        return pwd.getpwuid(peer.uid).pw_name
    except KeyError:
        return f"uid {peer.uid}"
