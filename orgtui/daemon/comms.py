"""The comms files: `<workdir>/comms/board.md` and `<workdir>/comms/inbox/<agent>.md`.

A post is appended as one timestamped, signed Markdown entry, written with a single `write`
under an exclusive `flock`, so concurrent posts never interleave. Only entry headers start a
line with `#`: a body's heading-like lines are escaped.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path


def board(comms: Path) -> Path:
    return comms / "board.md"


def inbox(comms: Path, agent: str) -> Path:
    return comms / "inbox" / f"{agent}.md"


def ensure(comms: Path, org: str, agents: Iterable[str]) -> None:
    """Create the board and every agent's inbox if missing; existing files are kept."""
    (comms / "inbox").mkdir(parents=True, exist_ok=True)
    _create(board(comms), f"# {org} board\n\nPosts from the org, newest last.\n")
    for agent in agents:
        _create(inbox(comms, agent), f"# Inbox of {agent}\n\nMessages to {agent}, newest last.\n")


def _create(path: Path, header: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(header)


HEADING = re.compile(r"^( {0,3})#", re.M)
"""A Markdown heading's start: in a body, escaped, so no line of it reads as an entry."""


def entry(author: str, to: str | None, text: str, when: float | None = None) -> str:
    """One post as Markdown: `## <stamp> · <author>[ → <to>]`, a blank line, the text, whose
    heading-like lines get a backslash before their `#` (Markdown shows them as typed)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when or time.time()))
    where = f" → {to}" if to else ""
    body = HEADING.sub(r"\1\\#", text.rstrip())
    return f"\n## {stamp} · {author}{where}\n\n{body}\n"


def append(path: Path, text: str) -> None:
    """Append `text` to `path` atomically with respect to other appenders."""
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def post(comms: Path, author: str, to: str | None, text: str) -> Path:
    """Append a post to the board, or to `to`'s inbox; the file written."""
    path = inbox(comms, to) if to else board(comms)
    path.parent.mkdir(parents=True, exist_ok=True)
    append(path, entry(author, to, text))
    return path
