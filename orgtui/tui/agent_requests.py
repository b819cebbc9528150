"""`AgentRequests`: what the cockpit asks orgd to do to its agents (deliver a message, restart
one), each on a worker thread, with its outcome shown as a notification."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.app import App

from orgtui.config.runtime import OrgRuntime
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.messages import Request, RequestError
from orgtui.protocol.org import Restart, Send


class AgentRequests:
    """Requests to the orgd of the org `rt` about its agents, made for `app`."""

    def __init__(self, app: App[Any], rt: OrgRuntime) -> None:
        self.app = app
        self.rt = rt

    def deliver(self, agents: list[str], text: str | None) -> None:
        """Type `text` into each agent's session once it is ready (nothing for no text)."""
        if text:
            for agent in agents:
                self._request(Send(agent=agent, text=text, timeout_s=120), f"delivered to {agent}")

    def restart(self, agent: str) -> None:
        """Restart the agent in its window."""
        self._request(Restart(agent=agent), f"restarted {agent}")

    def _request(self, request: Request[Any], done: str) -> None:
        work = partial(self._call, request, done)
        self.app.run_worker(work, name=request.NAME, group="requests", thread=True)

    def _call(self, request: Request[Any], done: str) -> None:
        try:
            call(self.rt.orgd_sock, request, timeout=150)
            self.app.notify(done, timeout=3)
        except (DaemonUnreachable, RequestError, OSError) as e:
            self.app.notify(str(e), severity="error", timeout=8)
