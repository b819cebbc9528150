"""`StatusPoller`: orgd's status for the cockpit, asked once a second on a worker thread and
posted to the app as a `StatusPoller.Update` (a worker never touches widgets); with it, while
the side panel shows them, the latest jobs and groups (their verdicts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.message import Message
from textual.worker import get_current_worker

from orgtui.config.runtime import OrgRuntime
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.groups import Group, GroupList
from orgtui.protocol.jobs import Job, JobList
from orgtui.protocol.messages import RequestError
from orgtui.protocol.status import OrgStatus, Status


class StatusPoller:
    """Asks orgd (of the org `rt`) for its status once a second and posts it to `app`, with
    the latest jobs and groups while `want_jobs()` says something shows them."""

    class Update(Message):
        """orgd's status, or None and the `error` when orgd does not answer; `jobs` and
        `groups`, the latest jobs and groups, when they were asked for.

        A newer status replaces one still waiting in the app's queue: only the latest counts,
        and a busy app does not fall behind by drawing every second it missed.
        """

        def __init__(
            self,
            status: OrgStatus | None,
            error: str | None,
            jobs: list[Job] | None,
            groups: list[Group] | None = None,
        ) -> None:
            super().__init__()
            self.status, self.error, self.jobs, self.groups = status, error, jobs, groups

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StatusPoller.Update)

    def __init__(self, app: App[Any], rt: OrgRuntime, want_jobs: Callable[[], bool]) -> None:
        self.app = app
        self.rt = rt
        self.want_jobs = want_jobs

    def start(self) -> None:
        """Poll until the app ends (a poll already running is cancelled)."""
        self.app.run_worker(
            self._poll, name="poll_status", group="status", exclusive=True, thread=True
        )

    def _poll(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:
            status: OrgStatus | None = None
            jobs: list[Job] | None = None
            groups: list[Group] | None = None
            try:
                sock = self.rt.orgd_sock
                status, error = call(sock, Status(), timeout=5), None
                if self.want_jobs():
                    jobs = call(sock, JobList(newest=True, limit=60), timeout=5).jobs
                    groups = call(sock, GroupList(newest=True, limit=20), timeout=5).groups
            except (DaemonUnreachable, RequestError, OSError) as e:
                status, error = None, str(e)
            self.app.post_message(self.Update(status, error, jobs, groups))
            for _ in range(10):
                if worker.is_cancelled:
                    return
                time.sleep(0.1)
