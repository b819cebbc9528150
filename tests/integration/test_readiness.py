"""Safe delivery and `status` on real panes showing real CLI screens (recorded from Claude
Code and Codex, tests/data/screens/, drawn by tests/agents/screen_agent.py in a real tmux
pane): nothing is typed into an agent whose screen says it works or asks a person, it is
typed once its prompt comes back; orgd's `status` says busy while a spinner moves or stands
still, and waiting while a question is on the screen."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.agents.delivery import DeliveryError, deliver
from orgtui.daemon.pane_io import TmuxPane
from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxServer
from tests.helpers import agent_toml, org_toml, wait_for

AGENT = Path(__file__).parent.parent / "agents" / "screen_agent.py"
SCREENS = Path(__file__).parent.parent / "data" / "screens"
CODEX = SCREENS / "codex-0.171.0"
CLAUDE = SCREENS / "claude-2.1.332"


@pytest.fixture
def sock() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="otr", dir="/tmp")) / "t.sock"
    yield path
    subprocess.run(["tmux", "-S", str(path), "kill-server"], capture_output=True)


def start(sock: Path, *argv: str) -> tuple[str, int]:
    """A pane running `argv` on its own server: (its id, its pid)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    out = subprocess.run(
        ["tmux", "-S", str(sock), "-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "80",
         "-y", "24", "-P", "-F", "#{pane_id} #{pane_pid}", *argv],
        check=True, capture_output=True, text=True, env=env,
    ).stdout.split()  # fmt: skip
    return out[0], int(out[1])


def test_nothing_is_typed_into_a_working_or_asking_agent(sock: Path, tmp_path: Path) -> None:
    typed = tmp_path / "typed.txt"
    screens = [str(CODEX / f"{s}.txt") for s in ("busy", "permission", "ready")]
    pane_id, pid = start(sock, sys.executable, str(AGENT), str(typed), *screens)

    async def main() -> None:
        control = await ControlClient.attach(sock, "w")
        pane = TmuxPane(control, TmuxServer(sock), pane_id, "a")
        try:
            with pytest.raises(DeliveryError, match="after 3s: it is working"):
                await deliver(pane, "hello", None, timeout=3, kind="codex")
            os.kill(pid, signal.SIGUSR1)  # its permission question
            with pytest.raises(DeliveryError, match="after 2s: it waits for a person"):
                await deliver(pane, "hello", None, timeout=2, kind="codex")
            assert "hello" not in "\n".join(await pane.capture())
            os.kill(pid, signal.SIGUSR1)  # its prompt
            await deliver(pane, "hello", None, timeout=10, kind="codex")
        finally:
            await control.close()

    asyncio.run(main())
    wait_for(lambda: typed.exists() and typed.read_text() == "hello\n", what="the message")


def test_status_reads_the_screen_of_each_kind(
    write_org, orgtui, tmp_path: Path, runtime_dir: Path
) -> None:
    def shows(name: str, *screens: str, redraw: bool = False, **keys: object) -> str:
        argv = [sys.executable, str(AGENT), *(["--redraw", "0.5"] if redraw else [])]
        return agent_toml(name, [*argv, str(tmp_path / f"{name}.txt"), *screens], **keys)

    org = org_toml(
        "screens",
        # Its spinner moves twice a second, and it is still busy (not "printing").
        shows(
            "spinning",
            str(CLAUDE / "busy.txt"),
            str(CLAUDE / "busy-later.txt"),
            redraw=True,
            kind="claude",
        ),  # fmt: skip
        # Its spinner stands still for minutes (a screen that is not redrawn): busy, not idle.
        shows("still", str(CODEX / "busy.txt"), kind="codex"),
        shows("asking", str(CLAUDE / "permission.txt"), kind="claude"),
        shows("prompt", str(CODEX / "ready.txt"), kind="codex"),
        # Its own `ready` pattern replaces the kind's table: the quiet-screen rule decides.
        shows("override", str(CODEX / "busy.txt"), kind="codex", ready="^› "),
    )
    home = tmp_path / "home"
    home.mkdir()
    orgtui("up", str(write_org(org)), env={"HOME": str(home), "CODEX_HOME": str(home / ".codex")})

    def activity() -> dict[str, str]:
        return {a["name"]: a["activity"] for a in orgtui.status()["agents"]}

    expected = {"spinning": "busy", "still": "busy", "asking": "waiting", "prompt": "idle",
                "override": "idle"}  # fmt: skip
    wait_for(lambda: activity() == expected, timeout=15, what=f"activities {expected}")
    for _ in range(3):  # and it stays so, tick after tick
        assert activity() == expected
    table = orgtui("status").stdout
    assert any(line.split()[:1] == ["asking"] and "waiting" in line for line in table.splitlines())
