"""Reading a request's arguments with clear errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Agent, Orgd


def text(args: dict[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str):
        raise RequestError(f"'{key}' must be a string", BAD_REQUEST)
    return value


def number(args: dict[str, Any], key: str, default: float) -> float:
    value = args.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RequestError(f"'{key}' must be a number of seconds", BAD_REQUEST)
    return float(value)


def agent(orgd: Orgd, name: str) -> Agent:
    found = orgd.agent(name)
    if found is None:
        names = ", ".join(orgd.agents) or "none"
        raise RequestError(
            f"no agent named {name!r} in org {orgd.cfg.org.name} (agents: {names})", NOT_FOUND
        )
    return found


def job(orgd: Orgd, args: dict[str, Any]) -> int:
    value = args.get("job")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError("'job' must be a job id (a number)", BAD_REQUEST)
    if orgd.jobs.ledger.get(value) is None:
        raise RequestError(f"no job {value} in org {orgd.cfg.org.name}", NOT_FOUND)
    return value


def row(orgd: Orgd, job: int) -> Any:
    found = orgd.jobs.ledger.get(job)
    if found is None:
        raise RequestError(f"no job {job} in org {orgd.cfg.org.name}", NOT_FOUND)
    return found
