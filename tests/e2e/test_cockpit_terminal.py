"""The cockpit as its own terminal sees it: a skin-tone emoji keeps the rest of its row in
tmux's columns inside a tmux that draws the modifier as a character of its own (tmux 3.3a,
like xterm), an empty grid slot is redrawn, and the colours sent are those the terminal says
it shows (COLORTERM, else terminfo's `colors`)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml(
    "tone",
    agent_toml("a", env={"PS1": "a$ "}),
    agent_toml("b", env={"PS1": "b$ "}),
    agent_toml("c", env={"PS1": "c$ "}),
)


def tmux(socket: Path | str, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-S", str(socket), *args], capture_output=True, text=True, check=True
    ).stdout


def test_skin_tone_emoji_keeps_its_row_and_the_empty_slot_is_redrawn(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    inner = orgtui.status()["tmux_socket"]
    outer = Path(tempfile.mkdtemp(prefix="otx", dir="/tmp")) / "outer.sock"
    env = {**orgtui.env, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    cmd = f"{sys.executable} -m orgtui attach tone"
    try:
        conf = outer.with_name("tmux.conf")
        conf.write_text("set -g status off\nset -g default-size 160x48\n")
        subprocess.run(
            ["tmux", "-S", str(outer), "-f", str(conf), "new-session", "-d", cmd],
            env=env,
            check=True,
        )
        wait_for(lambda: "c$" in tmux(outer, "capture-pane", "-p", "-t", "0"), timeout=20)
        # Agent "c" is alone on the grid's second row (2x2 for 3 agents): the slot right of it
        # is empty. Its output: two thumbs up with a skin tone, then " x".
        tmux(inner, "send-keys", "-t", "=tone:=c", "printf '\\360\\237\\221\\215\\360\\237"
             "\\217\\275\\360\\237\\221\\215\\360\\237\\217\\275 x\\n'", "Enter")  # fmt: skip
        wait_for(lambda: "👍" in _screen(outer), what="the emoji in the cockpit")
        time.sleep(0.3)  # the rest of the row and of the frame
        screen = _screen(outer)
        (row,) = [line for line in screen.splitlines() if "👍" in line]
        # tmux 3.3a draws each modifier as a cell of its own: the cockpit draws the thumbs
        # without it, in tmux's 4 cells each, so " x" is where the agent's tmux has it ...
        inner_row = next(
            line for line in tmux(inner, "capture-pane", "-p", "-t", "=tone:=c").splitlines()
            if "👍" in line
        )  # fmt: skip
        assert inner_row.startswith("👍🏽👍🏽 x")
        start = row.index("👍")
        assert row[start:].startswith("👍  👍   x"), row
        # ... and the pane's right border is in its column, the empty slot blank.
        border_rows = [line for line in screen.splitlines() if "c$" in line]
        assert border_rows and all(_cell_at(line, 79) == "│" for line in border_rows + [row]), (
            screen
        )
        assert _cells(row)[80:].strip() == "", row
        # Cells written in the empty slot behind the cockpit's back are painted over. (Written
        # again should the cockpit have painted over them before the first look.)
        tty = tmux(outer, "display", "-p", "-t", "0", "#{pane_tty}").strip()
        seen = False
        for _ in range(3):
            with open(tty, "w") as out:
                out.write("\x1b[40;120HSTRAY")
            seen = any("STRAY" in _screen(outer) for _ in range(10))
            if seen:
                break
        assert seen
        wait_for(lambda: "STRAY" not in _screen(outer), timeout=3, what="the slot redrawn")
    finally:
        subprocess.run(["tmux", "-S", str(outer), "kill-server"], capture_output=True)
        shutil.rmtree(outer.parent, ignore_errors=True)


def _screen(outer: Path) -> str:
    return tmux(outer, "capture-pane", "-p", "-t", "0")


def _cells(line: str) -> str:
    """A captured row with each wide character followed by a filler, so index = column."""
    from rich.cells import cell_len

    return "".join(ch + "\0" * (cell_len(ch) - 1) for ch in line)


def _cell_at(line: str, column: int) -> str:
    return _cells(line)[column]


_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def _colours(orgtui, **env: str) -> set[str]:
    """The kinds of colour the cockpit sends on a terminal with `env`: "24-bit", "256", "16"."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "orgtui", "attach", "tone"],
        env={**{k: v for k, v in orgtui.env.items() if k != "COLORTERM"}, **env},
        dimensions=(48, 160),
        timeout=20,
        encoding="utf-8",
    )
    child.expect("a\\$")
    out = child.before + child.after
    deadline = time.monotonic() + 0.5  # the frames that follow
    while time.monotonic() < deadline:
        with contextlib.suppress(pexpect.TIMEOUT):
            out += child.read_nonblocking(65536, timeout=0.1)
    child.send("q")
    child.expect(pexpect.EOF)
    kinds = set()
    for params in _SGR.findall(out):
        items = params.split(";")
        for n, item in enumerate(items):
            if item in ("38", "48") and n + 1 < len(items):
                kinds.add({"2": "24-bit", "5": "256"}.get(items[n + 1], "?"))
            elif item.isdigit() and (30 <= int(item) <= 37 or 40 <= int(item) <= 47
                                     or 90 <= int(item) <= 107):  # fmt: skip
                kinds.add("16")
    return kinds


def test_colours_follow_the_terminal(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    assert "24-bit" in _colours(orgtui, TERM="xterm-256color", COLORTERM="truecolor")
    # No COLORTERM (a terminal reached over SSH): as many colours as terminfo says.
    assert _colours(orgtui, TERM="xterm-256color") == {"256"}
    assert _colours(orgtui, TERM="xterm") == {"16"}
