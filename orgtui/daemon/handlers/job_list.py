"""`job_list`: jobs as their JSON, newest last: all of them (or an agent's, one kind's, or
those in some states), a page at a time: at most `limit` (default and most: PAGE) with ids above `after`.
`more` says whether another page follows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgtui.ledger.store import job_json
from orgtui.protocol.messages import BAD_REQUEST, RequestError

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd

PAGE = 2000  # a job's JSON is under 1 kB: a page stays well inside a 4 MiB frame


async def handle(orgd: Orgd, args: dict[str, Any], peer: Any) -> dict[str, Any]:
    limit, after = args.get("limit", PAGE), args.get("after", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (limit, after)):
        raise RequestError("'limit' and 'after' must be counts", BAD_REQUEST)
    limit = min(limit or PAGE, PAGE)
    rows = orgd.jobs.ledger.jobs(
        states=args.get("states"), agent=args.get("agent"), kind=args.get("kind"), after=after,
        limit=limit + 1, newest=bool(args.get("newest")),
    )  # fmt: skip
    newest = bool(args.get("newest"))
    # newest: the rows are the newest limit + 1, oldest first; the extra one is the oldest
    kept = rows[-limit:] if newest else rows[:limit]
    return {"jobs": [job_json(r) for r in kept], "more": len(rows) > limit}
