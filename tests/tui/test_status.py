"""orgd's status as the cockpit receives it: a newer `StatusPoller.Update` replaces one still
waiting in the app's queue, so a busy cockpit handles the latest status only (and keeps the
progress report of the one replaced); the progress is asked with each status while the
Progress section shows, else every few seconds."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from textual.app import App

from orgtui.protocol.messages import RequestError
from orgtui.protocol.progress import Progress
from orgtui.tui import status
from orgtui.tui.status import StatusPoller
from tests.tui.snapshot_apps import progress_report


class Recorder(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.handled: list[StatusPoller.Update] = []

    def on_status_poller_update(self, message: StatusPoller.Update) -> None:
        self.handled.append(message)


def test_a_queued_status_is_replaced_by_a_newer_one() -> None:
    async def main() -> None:
        app = Recorder()
        async with app.run_test() as pilot:
            await pilot.pause()
            updates = [StatusPoller.Update({"n": n}, None, None) for n in range(3)]
            for update in updates:  # all queued before the app handles any
                app.post_message(update)
            await pilot.pause()
            assert app.handled == [updates[-1]]

            error = StatusPoller.Update(None, "orgd is not answering", None)
            app.post_message(error)
            await pilot.pause()
            assert app.handled == [updates[-1], error]

    asyncio.run(main())


def test_progress_is_asked_each_time_while_shown_else_every_few_seconds(monkeypatch) -> None:
    asked: list[object] = []

    def call(sock: object, request: object, timeout: float) -> object:
        asked.append(request)
        return progress_report()

    clock = [1000.0]
    monkeypatch.setattr(status, "call", call)
    monkeypatch.setattr(status.time, "monotonic", lambda: clock[0])
    shown = [False]
    rt = SimpleNamespace(orgd_sock="sock")
    poller = StatusPoller(None, rt, lambda: False, lambda: shown[0])  # type: ignore[arg-type]
    assert poller._progress() == progress_report()  # the first poll asks
    clock[0] += 1.0
    assert poller._progress() is None  # not shown: not again before PROGRESS_EVERY
    clock[0] += status.PROGRESS_EVERY
    assert poller._progress() is not None
    shown[0] = True
    clock[0] += 1.0
    assert poller._progress() is not None and poller._progress() is not None
    assert len(asked) == 4 and all(isinstance(r, Progress) for r in asked)

    def unknown(sock: object, request: object, timeout: float) -> object:
        raise RequestError("unknown request: progress")

    monkeypatch.setattr(status, "call", unknown)  # an older orgd: the status goes on alone
    assert poller._progress() is None


def test_a_replaced_status_passes_its_progress_on() -> None:
    async def main() -> None:
        app = Recorder()
        async with app.run_test() as pilot:
            await pilot.pause()
            report = progress_report()
            older = StatusPoller.Update({"n": 1}, None, None, None, report)
            newer = StatusPoller.Update({"n": 2}, None, None)
            app.post_message(older)
            app.post_message(newer)
            await pilot.pause()
            assert app.handled == [newer] and newer.progress is report

    asyncio.run(main())
