"""What several handlers look up in the org: the agent, job or group a request names, or a
`not_found` error that says which ones there are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgtui.protocol.messages import NOT_FOUND, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.agent import Agent
    from orgtui.daemon.orgd import Orgd
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
