"""Hostile strings at the tmux boundary: `; new-window`, `#(touch x)`, an end-of-paste marker
and Ctrl-C through send and post arrive as text, and nothing runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml("hostile", agent_toml("victim"))


def windows(socket: str) -> list[str]:
    return subprocess.run(
        ["tmux", "-S", socket, "list-windows", "-a", "-F", "#{window_name}"],
        capture_output=True,
        text=True,
    ).stdout.split()


def test_hostile_text_runs_nothing(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(ORG)))
    socket = orgtui.status()["tmux_socket"]
    pwned = tmp_path / "pwned"
    out = tmp_path / "said.txt"
    # The text is an argument to `printf %s` inside single quotes: bash itself runs nothing,
    # so anything that happens would be tmux's (or the paste's) doing.
    hostile = f"; new-window -n evil ; #(touch {pwned}) \x1b[201~ \x03 $(touch {pwned})"
    orgtui("send", "victim", f"printf %s '{hostile}' > {out}")
    wait_for(out.exists, what="the command to run")
    said = out.read_text()
    assert said == f"; new-window -n evil ; #(touch {pwned}) [201~  $(touch {pwned})"
    orgtui("post", hostile)
    orgtui("post", "--to", "victim", hostile)
    board = (tmp_path / ".orgtui" / "hostile" / "comms" / "board.md").read_text()
    assert f"#(touch {pwned})" in board and "\x1b" not in board and "\x03" not in board
    assert not pwned.exists()
    assert windows(socket) == ["victim"]


def test_hostile_agent_name_is_refused(write_org, orgtui):
    org = write_org(org_toml("hostile", agent_toml("x;new-window")))
    line = org.read_text().splitlines().index('name = "x;new-window"') + 1
    proc = orgtui("up", str(org), check=False)
    assert proc.returncode == 2
    assert f"{org}:{line}:8:" in proc.stderr and "x;new-window" in proc.stderr
