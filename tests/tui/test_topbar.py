"""The top bar: the org's best verified value and its improvement beside the agents, from the
first promotion on."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from textual.app import App, ComposeResult
from textual.widgets import Static

from orgtui.tui.topbar import TopBar
from tests.tui.snapshot_apps import agent, progress_report


class Bar(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")


def test_the_top_bar_shows_the_best_verified_value() -> None:
    async def main() -> None:
        app = Bar()
        async with app.run_test(size=(160, 5)):
            bar = TopBar(app, "demo")
            status = SimpleNamespace(agents=[agent("a", "solo", "running", "busy", 0.0)],
                                     program="program/x", workdir="/w")  # fmt: skip

            def shown() -> str:
                bar.show_status(status, None, "F12")  # type: ignore[arg-type]
                return str(app.query_one("#topbar", Static).render())

            assert "best" not in shown()
            bar.show_progress(progress_report(points=False))  # no promotion yet
            assert "best" not in shown()
            bar.show_progress(progress_report())
            line = shown()
            assert "1 agents, 1 busy  best val_bpb 3.7235 (−0.743, 74σ)  program" in line

    asyncio.run(main())
