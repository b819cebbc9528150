"""The requests that act on the org and its agents (`hello`, `send`, `post`, `restart`,
`reload`, `down`) and their replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from orgtui.protocol.codec import at_least
from orgtui.protocol.messages import Request
from orgtui.protocol.status import Plan


@dataclass(frozen=True)
class Greeting:
    """Who answered: the same keys in every protocol version."""

    org: str
    pid: int
    protocol: int


@dataclass(frozen=True)
class Hello(Request[Greeting]):
    """Whether orgd serves (`up` waits for it), and which one: answered in any version."""

    NAME: ClassVar[str] = "hello"


@dataclass(frozen=True)
class Delivered:
    agent: str
    seconds: float
    """From the request to the message submitted."""


@dataclass(frozen=True)
class Send(Request[Delivered]):
    """Type `text` into the agent's pane once it is ready for input, and submit it."""

    NAME: ClassVar[str] = "send"
    agent: str
    text: str
    timeout_s: float = field(default=60.0, metadata=at_least(0))


@dataclass(frozen=True)
class Posted:
    file: str
    to: str | None


@dataclass(frozen=True)
class Post(Request[Posted]):
    """Append a signed, timestamped message to the board, or to an agent's inbox (`to`)."""

    NAME: ClassVar[str] = "post"
    text: str
    to: str | None = None
    author: str = "person"


@dataclass(frozen=True)
class Restarted:
    agent: str
    pane_pid: int | None
    restarts: int


@dataclass(frozen=True)
class Restart(Request[Restarted]):
    """Stop the agent's program and start it again in the same window."""

    NAME: ClassVar[str] = "restart"
    agent: str


@dataclass(frozen=True)
class Reloaded:
    dry_run: bool
    plan: Plan
    lines: list[str]
    """The plan as a person reads it."""
    hash: str
    """The source hash of the version that runs now."""
    applied_at: float


@dataclass(frozen=True)
class Reload(Request[Reloaded]):
    """Apply the saved org file now, or (`dry_run`) say what it would change."""

    NAME: ClassVar[str] = "reload"
    dry_run: bool = False


@dataclass(frozen=True)
class Stopped:
    org: str
    survivors: list[int]
    """Processes that would not die."""


@dataclass(frozen=True)
class Down(Request[Stopped]):
    """Stop the jobs (with `wait`, running ones finish first), the agents, every process still
    carrying the org's ORGTUI_ORG, the tmux server, and orgd."""

    NAME: ClassVar[str] = "down"
    wait: bool = False
