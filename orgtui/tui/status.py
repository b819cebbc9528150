"""`StatusPoller`: orgd's status for the cockpit, asked once a second on a worker thread and
posted to the app as a `StatusPoller.Update` (a worker never touches widgets); with it, while
the side panel shows them, the latest jobs and groups (their verdicts); and the org's progress
(for the top bar's best value and the Progress section), with each status while the Progress
section shows, else every `PROGRESS_EVERY` seconds."""

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
from orgtui.protocol.progress import Progress, ProgressReport
from orgtui.protocol.status import OrgStatus, Status

PROGRESS_EVERY = 5.0
"""Seconds between two progress polls while the Progress section is not shown."""


class StatusPoller:
    """Asks orgd (of the org `rt`) for its status once a second and posts it to `app`, with
    the latest jobs and groups while `want_jobs()` says something shows them, and the org's
    progress each time while `want_progress()` says it is shown, else every
    `PROGRESS_EVERY` seconds."""

    class Update(Message):
        """orgd's status, or None and the `error` when orgd does not answer; `jobs` and
        `groups`, the latest jobs and groups, and `progress`, the org's progress report, when
        they were asked for (and answered).

        A newer status replaces one still waiting in the app's queue: only the latest counts,
        and a busy app does not fall behind by drawing every second it missed (a progress
        report the newer one lacks is carried over to it).
        """

        def __init__(
            self,
            status: OrgStatus | None,
            error: str | None,
            jobs: list[Job] | None,
            groups: list[Group] | None = None,
            progress: ProgressReport | None = None,
        ) -> None:
            super().__init__()
            self.status, self.error, self.jobs, self.groups = status, error, jobs, groups
            self.progress = progress

        def can_replace(self, message: Message) -> bool:
            # Textual asks the older message whether the newer `message` replaces it: a
            # progress report, asked every few seconds only, goes on in the newer one.
            if not isinstance(message, StatusPoller.Update):
                return False
            if message.progress is None:
                message.progress = self.progress
            return True

    def __init__(
        self,
        app: App[Any],
        rt: OrgRuntime,
        want_jobs: Callable[[], bool],
        want_progress: Callable[[], bool] = lambda: False,
    ) -> None:
        self.app = app
        self.rt = rt
        self.want_jobs = want_jobs
        self.want_progress = want_progress
        self._progress_at = -PROGRESS_EVERY  # time.monotonic() of the last progress poll

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
            progress = self._progress() if status is not None else None
            self.app.post_message(self.Update(status, error, jobs, groups, progress))
            for _ in range(10):
                if worker.is_cancelled:
                    return
                time.sleep(0.1)

    def _progress(self) -> ProgressReport | None:
        """orgd's progress report when it is due (None when not, or when orgd does not give
        it: an orgd that does not know the request leaves the status shown as it is)."""
        now = time.monotonic()
        if not self.want_progress() and now - self._progress_at < PROGRESS_EVERY:
            return None
        self._progress_at = now
        try:
            return call(self.rt.orgd_sock, Progress(), timeout=5)
        except (DaemonUnreachable, RequestError, OSError):
            return None
