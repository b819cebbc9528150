"""The cockpit over a real org whose agent shows a real Claude Code permission question
(tests/data/screens/, drawn in its pane by tests/agents/screen_agent.py): its pane title says
it waits for you, the top bar counts it, and it is announced once per wait."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sys
from pathlib import Path

from textual.widgets import Static

from orgtui.config.runtime import resolve
from orgtui.tui.app import OrgApp
from orgtui.tui.pane import WAITING
from tests.helpers import agent_toml, org_toml, wait_for_async

AGENT = Path(__file__).parent.parent / "agents" / "screen_agent.py"
CLAUDE = Path(__file__).parent.parent / "data" / "screens" / "claude-2.1.332"


def test_an_agent_waiting_for_a_person_is_shown_counted_and_announced(
    write_org, orgtui, tmp_path: Path
) -> None:
    screens = [str(CLAUDE / f"{s}.txt") for s in ("permission", "done", "permission")]
    argv = [sys.executable, str(AGENT), str(tmp_path / "typed.txt"), *screens]
    org = org_toml("waits", agent_toml("asking", argv, kind="claude"), agent_toml("shell"))
    home = tmp_path / "home"
    home.mkdir()
    orgtui("up", str(write_org(org)), env={"HOME": str(home), "CODEX_HOME": str(home / ".c")})
    pid = next(a["pane_pid"] for a in orgtui.status()["agents"] if a["name"] == "asking")

    async def main() -> None:
        app = OrgApp(resolve("waits"))
        async with app.run_test(size=(160, 40)) as pilot:

            def top() -> str:
                return str(app.query_one("#topbar", Static).render())

            def title() -> str:
                return str(app.panes["asking"].title)

            await wait_for_async(lambda: WAITING in title(), pilot.pause, timeout=15)
            assert "1 waiting for you" in top()
            assert WAITING not in str(app.panes["shell"].title)
            for _ in range(3):  # status after status: announced once
                await pilot.pause(0.5)
            assert app.top_bar.announcer.announced == ["asking"]
            os.kill(pid, signal.SIGUSR1)  # the person answered: its prompt
            await wait_for_async(lambda: WAITING not in title(), pilot.pause, timeout=10)
            assert "waiting for you" not in top()
            os.kill(pid, signal.SIGUSR1)  # the next question
            await wait_for_async(lambda: WAITING in title(), pilot.pause, timeout=10)
            assert app.top_bar.announcer.announced == ["asking", "asking"]

    asyncio.run(main())


def test_announced_by_osc9_where_the_terminal_shows_it_else_by_the_bell() -> None:
    from orgtui.tui.announce import Announcer
    from tests.tui.snapshot_apps import agent

    waiting = [agent("a", "solo", "running", "waiting", 0.0)]
    for env, expected in (
        ({"TERM_PROGRAM": "iTerm.app"}, ["\x1b]9;orgtui org: a waits for you\x07"]),
        ({"TERM_PROGRAM": "Apple_Terminal"}, ["BEL"]),
        ({}, ["BEL"]),
    ):
        said: list[str] = []
        announcer = Announcer("org", functools.partial(said.append, "BEL"), said.append, env)
        announcer.update(waiting)
        announcer.update(waiting)
        assert said == expected, env
