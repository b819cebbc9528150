"""orgd's status as the cockpit receives it: a newer `StatusPoller.Update` replaces one still
waiting in the app's queue, so a busy cockpit handles the latest status only."""

from __future__ import annotations

import asyncio

from textual.app import App

from orgtui.tui.status import StatusPoller


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
