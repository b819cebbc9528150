"""The real `orgtui attach` in a terminal (pexpect, or inside another tmux) against a real org:
take over a pane and type a command; a full-screen program on the alternate screen."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pexpect

from tests.helpers import agent_toml, org_toml, wait_for

AGENTS = Path(__file__).parent.parent / "agents"

ORG = org_toml(
    "pit",
    agent_toml("sh", env={"PS1": "pit$ "}),
    agent_toml("full", [sys.executable, str(AGENTS / "fullscreen.py")]),
)


def tmux_capture(socket: Path | str, target: str, *flags: str) -> str:
    return subprocess.run(
        ["tmux", "-S", str(socket), "capture-pane", "-p", *flags, "-t", target],
        capture_output=True,
        text=True,
    ).stdout


def cockpit(orgtui, *args: str) -> pexpect.spawn:
    env = {**orgtui.env, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "orgtui", "attach", "pit", *args],
        env=env,
        dimensions=(48, 160),
        timeout=20,
        encoding="utf-8",
    )


def test_take_over_a_pane_and_type_a_command(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    socket = orgtui.status()["tmux_socket"]
    child = cockpit(orgtui)
    child.expect("orgtui · pit")
    child.expect("pit\\$")  # the shell's prompt, drawn in its pane
    child.send("\r")  # Enter: take over the focused pane (the first, "sh")
    child.expect("F12 or Ctrl-] gives it back")
    child.send("echo typed-$((40+2))\r")
    child.expect("typed-42")  # in the cockpit
    assert "typed-42" in tmux_capture(socket, "=pit:=sh")  # and in the agent's own pane
    child.send("\x1b[24~")  # F12 gives the keyboard back ...
    child.send("q")  # ... so q quits the cockpit
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    wait_for(lambda: [a["state"] for a in orgtui.status()["agents"]] == ["running", "running"])


def test_full_screen_program_on_the_alternate_screen(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    socket = orgtui.status()["tmux_socket"]
    wait_for(lambda: "ALT-SCREEN-DEMO" in tmux_capture(socket, "=pit:=full"))
    alt = subprocess.run(
        ["tmux", "-S", socket, "display", "-p", "-t", "=pit:=full", "#{alternate_on}"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert alt == "1"
    child = cockpit(orgtui)
    child.expect("ALT-SCREEN-DEMO")
    child.send("q")
    child.expect(pexpect.EOF)


def test_cockpit_inside_another_tmux(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    outer = Path(tempfile.mkdtemp(prefix="otx", dir="/tmp")) / "outer.sock"
    env = {**orgtui.env, "TERM": "xterm-256color"}
    cmd = f"{sys.executable} -m orgtui attach pit"
    try:
        subprocess.run(
            [
                "tmux",
                "-S",
                str(outer),
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "48",
                cmd,
            ],
            env=env,
            check=True,
        )
        # Inside the person's tmux, TMUX is set; orgtui's own tmux commands must ignore it.
        wait_for(
            lambda: "orgtui · pit" in tmux_capture(outer, "0"),
            timeout=20,
            what="the cockpit in the outer tmux",
        )
        wait_for(
            lambda: (
                "pit$" in tmux_capture(outer, "0") and "ALT-SCREEN-DEMO" in tmux_capture(outer, "0")
            )
        )
        subprocess.run(["tmux", "-S", str(outer), "send-keys", "-t", "0", "q"], check=True)
        wait_for(
            lambda: (
                subprocess.run(
                    ["tmux", "-S", str(outer), "has-session"], capture_output=True
                ).returncode
                != 0
            )
        )
    finally:
        subprocess.run(["tmux", "-S", str(outer), "kill-server"], capture_output=True)
    wait_for(lambda: [a["state"] for a in orgtui.status()["agents"]] == ["running", "running"])


def test_full_takeover_is_a_real_tmux_attach_and_f12_comes_back(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    child = cockpit(orgtui)
    child.expect("orgtui · pit")
    child.expect("pit\\$")
    child.send("a")  # full takeover of the focused pane ("sh")
    child.expect("F12: back to the grid")  # the org's own tmux status line
    child.send("echo attached-$((40+2))\r")
    child.expect("attached-42")
    child.send("\x1b[24~")  # F12 detaches ...
    child.expect("orgtui · pit")  # ... and the cockpit is back
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    socket = orgtui.status()["tmux_socket"]
    sessions = subprocess.run(
        ["tmux", "-S", socket, "list-sessions", "-F", "#{session_name}"],
        capture_output=True,
        text=True,
    )
    assert sessions.stdout.split() == ["pit"]  # the attach's grouped session is gone


def test_a_configured_escape_chord_gives_the_keyboard_back_and_detaches(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    child = cockpit(orgtui, "--escape", "f11")
    child.expect("orgtui · pit")
    child.expect("pit\\$")
    child.send("\r")  # take over
    child.expect("F11 or Ctrl-\\] gives it back")
    child.expect("Give the keyboard back")  # the footer says so while a pane has it
    child.send("\x1b[23~")  # F11
    child.expect("Take over")
    child.send("a")  # full takeover: F11 detaches there too
    child.expect("F11: back to the grid")
    child.send("echo attached-$((40+2))\r")
    child.expect("attached-42")
    child.send("\x1b[23~")
    child.expect("orgtui · pit")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    socket = orgtui.status()["tmux_socket"]
    keys = subprocess.run(
        ["tmux", "-S", socket, "list-keys", "-T", "root"], capture_output=True, text=True
    ).stdout
    assert "F11" not in keys and "F12" in keys  # bound for the attach only


def test_a_bad_escape_chord_is_refused(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    result = subprocess.run(
        [sys.executable, "-m", "orgtui", "attach", "pit", "--escape", "alt+x"],
        env=orgtui.env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "escape chord 'alt+x': use f1 .. f12 or ctrl+<letter>" in result.stderr
    org = write_org(ORG.replace('name = "pit"', 'name = "pit2"'), "pit2.toml")
    result = subprocess.run(
        [sys.executable, "-m", "orgtui", str(org)],
        env={**orgtui.env, "ORGTUI_ESCAPE": "q"}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2 and "escape chord 'q'" in result.stderr
    assert orgtui("status", "pit2", check=False).returncode == 2  # it was not started


def test_the_org_file_edited_from_the_cockpit_and_a_bad_save_in_a_banner(
    write_org, orgtui, tmp_path
):
    """`e` runs $EDITOR on the org file (here a script that adds an agent): the new agent's
    pane appears. A broken save shows its file:line:col in a banner until it is fixed."""
    org = write_org(ORG)
    orgtui("up", str(org))
    editor = tmp_path / "add-agent.sh"
    editor.write_text('#!/bin/sh\nprintf \'\\n[[agent]]\\nname = "extra"\\n'
                      'command = ["bash", "--norc", "--noprofile"]\\n\' >> "$1"\n')  # fmt: skip
    editor.chmod(0o755)
    outer = Path(tempfile.mkdtemp(prefix="otx", dir="/tmp")) / "outer.sock"
    env = {**orgtui.env, "TERM": "xterm-256color", "EDITOR": str(editor)}
    cmd = f"{sys.executable} -m orgtui attach pit"
    screen = lambda: tmux_capture(outer, "0")  # noqa: E731
    try:
        subprocess.run(["tmux", "-S", str(outer), "-f", "/dev/null", "new-session", "-d", "-x",
                        "160", "-y", "48", cmd], env=env, check=True)  # fmt: skip
        wait_for(lambda: "pit$" in screen(), timeout=20, what="the cockpit")
        subprocess.run(["tmux", "-S", str(outer), "send-keys", "-t", "0", "e"], check=True)
        wait_for(lambda: "● extra" in screen(), timeout=20, what="the added agent's pane")
        assert "extra" in [a["name"] for a in orgtui.status()["agents"]]
        text = org.read_text()
        org.write_text(text.replace('name = "extra"', 'name = "Extra"'))
        line = text.splitlines().index('name = "extra"') + 1
        wait_for(lambda: "org file not applied" in screen(), timeout=20, what="the banner")
        assert f"org.toml:{line}:8:" in screen().replace("\n", "")
        assert "● extra" in screen()  # the org runs the last good version
        org.write_text(text)
        wait_for(lambda: "org file not applied" not in screen(), timeout=20, what="no banner")
    finally:
        subprocess.run(["tmux", "-S", str(outer), "kill-server"], capture_output=True)
