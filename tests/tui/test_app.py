"""The cockpit over a real org (real orgd, tmux and agents), driven with Textual's pilot:
live panes in a grid, takeover key routing checked in the agent's tmux pane, the escape
chord, zoom and window sizes, help and the command palette."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from textual import events
from textual.pilot import Pilot

from orgtui.config.runtime import resolve
from orgtui.tui.app import OrgApp
from orgtui.tui.pane import AgentPane
from orgtui.tui.screens import HelpScreen
from tests.helpers import wait_for_async

AGENTS = Path(__file__).parent.parent / "agents"

ORG = f"""
[org]
name = "cockpit"
repo = "{{repo}}"

[[agent]]
name = "keys"
command = ["{sys.executable}", "{AGENTS / "keylogger.py"}"]

[[agent]]
name = "shell"
command = ["bash", "--norc", "--noprofile"]

[[agent]]
name = "third"
command = ["bash", "--norc", "--noprofile"]
"""


async def drawn(pilot: Pilot, app: OrgApp, n: int = 3, timeout: float = 10.0) -> None:
    """Wait until the cockpit has all `n` panes and has drawn each at least once."""
    await wait_for_async(
        lambda: len(app.panes) == n and all(p.frames for p in app.panes.values()),
        pilot.pause,
        timeout=timeout,
    )


async def mapped(pilot: Pilot, app: OrgApp, n: int = 3) -> None:
    """Wait until the cockpit knows each of its `n` panes' tmux pane."""
    await wait_for_async(
        lambda: len(app.panes) == n and all(p.pane_id for p in app.panes.values()), pilot.pause
    )


def pane_text(socket: Path, window: str) -> str:
    return subprocess.run(
        [
            "tmux",
            "-S",
            str(socket),
            "capture-pane",
            "-p",
            "-J",
            "-S",
            "-200",
            "-t",
            f"=cockpit:={window}",
        ],
        capture_output=True,
        text=True,
    ).stdout


def window_size(socket: Path, window: str) -> tuple[int, int]:
    out = subprocess.run(
        [
            "tmux",
            "-S",
            str(socket),
            "display",
            "-p",
            "-t",
            f"=cockpit:={window}",
            "#{window_width} #{window_height}",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def shown(pane: AgentPane) -> str:
    return "\n".join(pane.render_line(y).text for y in range(pane.view_size.height))


def start(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    return resolve("cockpit")


def test_grid_shows_every_agent_live(write_org, orgtui, tmp_path, monkeypatch):
    rt = start(write_org, orgtui)
    stats = tmp_path / "stats.json"
    monkeypatch.setenv("ORGTUI_TUI_STATS", str(stats))  # what bench/cockpit.py reads

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48)) as pilot:
            await drawn(pilot, app)
            panes = app.panes
            assert [p.agent for p in panes.values()] == ["keys", "shell", "third"]
            assert all(p.display for p in panes.values())
            # 3 panes in a 2x2 grid, each about half the screen.
            assert {p.view_size.width for p in panes.values()} == {78}
            await wait_for_async(lambda: "keylogger ready" in shown(panes["keys"]), pilot.pause)
            assert "keys" in str(panes["keys"].title) and "solo" in str(panes["keys"].title)
            orgtui("send", "shell", "echo live-$((6*7))")
            await wait_for_async(
                lambda: "live-42" in shown(panes["shell"]),
                pilot.pause,
                what="the shell's output in its pane",
            )

    asyncio.run(main())


def test_takeover_routes_every_key_to_the_agent(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for_async(
                lambda: len(app.panes) == 3 and app.panes["keys"].pane_id, pilot.pause
            )
            app.panes["keys"].focus()
            await pilot.pause()
            await wait_for_async(
                lambda: "keylogger ready" in pane_text(rt.tmux_sock, "keys"), pilot.pause
            )
            await pilot.press("enter")
            assert app.taken is app.panes["keys"] and app.panes["keys"].has_class("-taken")
            await pilot.press(
                "ctrl+c", "ctrl+q", "ctrl+p", "escape", "tab", "alt+x", "f5", "z", "q"
            )
            app.post_message(events.Paste("pasted\ntext"))
            await wait_for_async(
                lambda: "74 65 78 74" in pane_text(rt.tmux_sock, "keys"),
                pilot.pause,
                what="the paste",
            )
            got = " ".join(
                line.split(": ", 1)[1]
                for line in pane_text(rt.tmux_sock, "keys").splitlines()
                if line.startswith("keys: ")
            )
            expected = "03 11 10 1b 09 1b 78 1b 5b 31 35 7e 7a 71"
            assert got.startswith(expected), got
            paste = got[len(expected) :].strip()
            assert paste.startswith("1b 5b 32 30 30 7e") and paste.endswith("1b 5b 32 30 31 7e"), (
                paste
            )
            # Nothing of the app's own reacted: no quit, no palette, no zoom but the takeover's
            # own (its 78x21 cell is smaller than the agent's 80x24: zoomed while taken over).
            keys = app.panes["keys"]
            assert app.zoomed is keys and app.is_running and app.screen is app.screen_stack[0]
            await pilot.press("f12")
            assert app.taken is None and not keys.has_class("-taken") and app.zoomed is None
            await pilot.press("z")
            assert app.zoomed is app.panes["keys"]

    asyncio.run(main())


def test_taken_over_shell_echoes_as_it_types(write_org, orgtui):
    """A shell's echo of each key is drawn from its output stream as it arrives (no capture
    waited for), and what the pane shows then matches tmux's screen."""
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(120, 40)) as pilot:
            await drawn(pilot, app)
            shell = app.panes["shell"]
            shell.focus()
            await wait_for_async(
                lambda: "bash" in pane_text(rt.tmux_sock, "shell"), pilot.pause, what="a prompt"
            )
            await pilot.press("t")
            await wait_for_async(
                lambda: app.feed.focus.client_for(shell.window_id) is not None,
                pilot.pause,
                what="the pane's own output stream",
            )
            for key in "echo typed":
                await pilot.press("space" if key == " " else key)
                await pilot.pause(0.05)
            await wait_for_async(
                lambda: "echo typed" in shown(shell), pilot.pause, what="the echo drawn"
            )
            assert shell.applied > 0  # drawn from the stream, not only from captures
            await pilot.press("enter")
            await wait_for_async(
                lambda: "\ntyped" in shown(shell), pilot.pause, what="the command's output"
            )

            def same_as_tmux() -> bool:
                ours = [row.rstrip() for row in shown(shell).splitlines() if row.strip()]
                theirs = [row.rstrip() for row in pane_text(rt.tmux_sock, "shell").splitlines()]
                return ours == [row for row in theirs if row][-len(ours) :]

            await wait_for_async(same_as_tmux, pilot.pause, what="the pane to show what tmux holds")

    asyncio.run(main())


def test_ctrl_bracket_also_gives_the_keyboard_back(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(120, 40)) as pilot:
            await mapped(pilot, app)
            app.panes["shell"].focus()
            await pilot.pause()
            await pilot.press("t")
            assert app.taken is app.panes["shell"]
            await pilot.press("ctrl+right_square_bracket")
            assert app.taken is None

    asyncio.run(main())


def test_zoom_and_window_sizes(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(200, 62)) as pilot:
            await drawn(pilot, app)
            shell = app.panes["shell"]
            # Cells of 100x30 (content 98x28): bigger than the agent's 80x24, so the window follows.
            await wait_for_async(
                lambda: window_size(rt.tmux_sock, "shell") == (98, 28), pilot.pause, what="98x28"
            )
            await wait_for_async(
                lambda: not shell.cropped, pilot.pause, what="a capture at the new size"
            )
            shell.focus()
            await pilot.pause()
            await pilot.press("z")
            assert app.zoomed is shell and not app.panes["keys"].display
            await wait_for_async(
                lambda: window_size(rt.tmux_sock, "shell") == tuple(shell.view_size), pilot.pause
            )
            assert shell.view_size.width == 198
            await pilot.press("z")
            assert app.zoomed is None and app.panes["keys"].display
            await wait_for_async(
                lambda: window_size(rt.tmux_sock, "shell") == (98, 28), pilot.pause
            )

    asyncio.run(main())


def test_small_screen_crops_and_says_so(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(80, 24)) as pilot:
            await drawn(pilot, app)
            pane = app.panes["shell"]
            assert pane.cropped and "cropped 80x24" in str(pane.subtitle)
            assert window_size(rt.tmux_sock, "shell") == (80, 24)  # never below the agent's size
            # A line typed out past the cell: watched, the pane shows where its lines begin;
            # focused (where a person types), it follows the cursor.
            tail = "y" * 8 + "END"
            line = "echo " + "x" * 50 + tail
            subprocess.run(
                ["tmux", "-S", str(rt.tmux_sock), "send-keys", "-l", "-t", "=cockpit:=shell", line],
                check=True,
            )
            await wait_for_async(
                lambda: "echo xxx" in shown(pane), pilot.pause, what="the line's start"
            )
            assert "END" not in shown(pane)
            pane.focus()
            await wait_for_async(
                lambda: "yyyyEND" in shown(pane), pilot.pause, what="the cursor's part"
            )
            assert "echo" not in shown(pane)
            app.panes["keys"].focus()
            await wait_for_async(
                lambda: "echo xxx" in shown(pane), pilot.pause, what="the start again"
            )

    asyncio.run(main())


def test_help_and_palette_list_the_actions(write_org, orgtui):
    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_async(lambda: len(app.panes) == 3, pilot.pause)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            for title in (
                "Take over the focused pane (every key goes to the agent)",
                "Zoom the focused pane to the whole screen, and back",
                "Full takeover: a real tmux attach to the agent",
                "Send a message to the focused agent",
                "Broadcast a message to every agent",
                "Restart the focused agent",
                "Show or hide the side panel",
                "Side panel: comms",
                "Side panel: branches",
                "Previous page of panes",
                "Next page of panes",
                "Every key",
                "Quit the cockpit (the org keeps running)",
            ):
                assert title in commands, title
            # A palette entry does what its key does.
            app.panes["shell"].focus()
            await pilot.pause()
            await commands["Zoom the focused pane to the whole screen, and back"].callback()
            assert app.zoomed is app.panes["shell"]
            await commands["Side panel: branches"].callback()
            await wait_for_async(lambda: app.panel is not None and app.panel.display, pilot.pause)

    asyncio.run(main())


def test_side_panel_comms_and_branches_over_the_real_org(write_org, orgtui, tmp_path):
    rt = start(write_org, orgtui)
    board = tmp_path / ".orgtui" / "cockpit" / "comms" / "board.md"

    async def main() -> None:
        from textual.widgets import Input

        from orgtui.tui.sidepanel import SidePanel

        app = OrgApp(rt)
        async with app.run_test(size=(200, 50)) as pilot:
            await drawn(pilot, app)
            width_before = app.panes["keys"].view_size.width
            await pilot.press("p")
            panel = app.query_one(SidePanel)
            assert panel.display and panel.section == "comms"
            await wait_for_async(
                lambda: app.panes["keys"].view_size.width < width_before,
                pilot.pause,
                what="the grid to make room",
            )
            # Narrower cells show the screens again (a quiet pane included).
            await wait_for_async(
                lambda: "bash-" in shown(app.panes["third"]),
                pilot.pause,
                what="the quiet pane redrawn",
            )
            box = panel.query_one(Input)
            box.focus()
            await pilot.pause()
            await pilot.press(*"posted from the cockpit")
            await pilot.press("enter")
            await wait_for_async(
                lambda: "posted from the cockpit" in board.read_text(),
                pilot.pause,
                what="the post on the board",
            )
            await pilot.press("escape")
            app.panes["shell"].focus()
            await pilot.pause()
            await pilot.press("g")
            assert panel.section == "branches"
            await wait_for_async(
                lambda: len(panel.branches.branches) == 3, pilot.pause, what="the branches view"
            )
            assert [b.branch for b in panel.branches.branches] == [
                "program/cockpit--keys",
                "program/cockpit--shell",
                "program/cockpit--third",
            ]
            app.panes["shell"].focus()
            await pilot.pause()
            await pilot.press("p")
            assert not panel.display

    asyncio.run(main())


def test_two_cockpits_sizes_follow_the_one_used_last(write_org, orgtui):
    import pexpect

    rt = start(write_org, orgtui)

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(200, 62)) as pilot:
            await drawn(pilot, app)
            await wait_for_async(
                lambda: window_size(rt.tmux_sock, "shell") == (98, 28), pilot.pause, what="A's size"
            )
            env = {**orgtui.env, "TERM": "xterm-256color"}
            other = pexpect.spawn(
                sys.executable,
                ["-m", "orgtui", "attach", "cockpit"],
                env=env,
                dimensions=(30, 100),
                encoding="utf-8",
            )
            try:
                other.expect("orgtui · cockpit", timeout=20)
                # The second cockpit's cells are small: it sets the agent's own size, 80x24.
                await wait_for_async(
                    lambda: window_size(rt.tmux_sock, "shell") == (80, 24),
                    pilot.pause,
                    what="B's size",
                )
                await pilot.press("j")  # the first cockpit is used again
                await wait_for_async(
                    lambda: window_size(rt.tmux_sock, "shell") == (98, 28),
                    pilot.pause,
                    what="A's size back",
                )
            finally:
                other.terminate(force=True)

    asyncio.run(main())


def test_send_and_restart_from_the_cockpit(write_org, orgtui, tmp_path):
    from textual.widgets import Input

    from orgtui.tui.screens import MessageScreen

    rt = start(write_org, orgtui)
    marker = tmp_path / "from-cockpit.txt"

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48)) as pilot:
            await mapped(pilot, app)
            app.panes["shell"].focus()
            await pilot.pause()
            await pilot.press("s")
            assert isinstance(app.screen, MessageScreen)
            app.screen.query_one(Input).value = f"echo sent > {marker}"
            await pilot.press("enter")
            await wait_for_async(
                lambda: marker.exists() and marker.read_text() == "sent\n",
                pilot.pause,
                timeout=20,
                what="the message",
            )
            pid = next(a["pane_pid"] for a in orgtui.status()["agents"] if a["name"] == "third")
            app.panes["third"].focus()
            await pilot.pause()
            await pilot.press("r")
            await wait_for_async(
                lambda: (
                    next(a for a in orgtui.status()["agents"] if a["name"] == "third")["pane_pid"]
                    != pid
                ),
                pilot.pause,
                what="the restart",
            )

    asyncio.run(main())


def test_big_screen_and_many_agents(write_org, orgtui):
    many = (
        ORG
        + '\n[[agent]]\nname = "crowd"\ncount = 9\ncommand = ["bash", "--norc", "--noprofile"]\n'
    )
    orgtui("up", str(write_org(many)))
    rt = resolve("cockpit")

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(300, 100)) as pilot:
            await wait_for_async(
                lambda: len(app.panes) == 12 and all(p.frames for p in app.panes.values()),
                pilot.pause,
                timeout=20,
            )
            assert all(p.display for p in app.panes.values())  # 4x3 on one page
            # Cells of about 73x30: taller than 24 rows, so windows grow; never narrower than 80.
            crowd = app.panes["crowd-9"]
            assert crowd.view_size.width < 80 and crowd.view_size.height >= 30
            want = (80, crowd.view_size.height)
            await wait_for_async(
                lambda: window_size(rt.tmux_sock, "crowd-9") == want, pilot.pause, what=f"{want}"
            )
        async with OrgApp(rt).run_test(size=(60, 20)) as pilot:
            small = pilot.app
            await wait_for_async(lambda: len(small.panes) == 12, pilot.pause, timeout=20)
            shown_now = [p.agent for p in small.panes.values() if p.display]
            assert 0 < len(shown_now) < 12  # the rest are on further pages
            await pilot.press("right_square_bracket")
            assert [p.agent for p in small.panes.values() if p.display] != shown_now

    asyncio.run(main())


def test_front_pane_streams_from_a_session_of_its_own(write_org, orgtui):
    """The focused pane's window is linked into `<org>-focus-<pid>`, alone; the session follows
    the focus, goes with the cockpit, and one left by a dead cockpit is removed."""
    import os

    rt = start(write_org, orgtui)
    tmux = ["tmux", "-S", str(rt.tmux_sock)]
    stale = "cockpit-focus-999999"  # no such process
    subprocess.run([*tmux, "new-session", "-d", "-s", stale, "sleep", "100"], check=True)

    def sessions() -> list[str]:
        out = subprocess.run(
            [*tmux, "list-sessions", "-F", "#{session_name}"], capture_output=True, text=True
        )
        return out.stdout.split()

    def focus_windows() -> list[str]:
        name = f"cockpit-focus-{os.getpid()}"
        out = subprocess.run(
            [*tmux, "list-windows", "-t", f"={name}", "-F", "#{window_name}"],
            capture_output=True,
            text=True,
        )
        return out.stdout.split()

    async def main() -> None:
        app = OrgApp(rt)
        async with app.run_test(size=(160, 48)) as pilot:
            await mapped(pilot, app)
            assert stale not in sessions()
            await wait_for_async(
                lambda: focus_windows() == ["keys"],
                pilot.pause,
                what="the first pane's window linked",
            )
            app.panes["third"].focus()
            await wait_for_async(
                lambda: focus_windows() == ["third"],
                pilot.pause,
                what="the focus session following",
            )
            # The org's own session still has every window.
            out = subprocess.run(
                [*tmux, "list-windows", "-t", "=cockpit", "-F", "#{window_name}"],
                capture_output=True,
                text=True,
            )
            assert out.stdout.split() == ["keys", "shell", "third"]
        assert sessions() == ["cockpit"]

    asyncio.run(main())
