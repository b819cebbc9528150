"""Comms: `orgtui post` appends signed, timestamped entries; concurrent posts never interleave;
an agent's post is signed with its name; `orgtui logs` prints an agent's session log."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml("talky", agent_toml("ann", "bash --norc"), agent_toml("ben", "bash --norc"))


def test_concurrent_posts_never_interleave(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(ORG)))
    body = "\n".join(f"line {i} " + "x" * 200 for i in range(40))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "orgtui", "post", f"post {n}\n{body}"],
            env={**orgtui.env, "ORGTUI_AGENT": f"writer{n}"},
            stdout=subprocess.DEVNULL,
        )
        for n in range(12)
    ]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    board = (tmp_path / ".orgtui" / "talky" / "comms" / "board.md").read_text()
    entries = re.findall(
        r"\n## \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · (writer\d+)\n\n(post \d+)\n(.*?)\n(?=\n## |\Z)",
        board,
        re.S,
    )
    assert sorted(e[0] for e in entries) == sorted(f"writer{n}" for n in range(12))
    for author, first, rest in entries:
        assert first == f"post {author[6:]}" and rest == body


def test_post_to_an_inbox_and_from_an_agent(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(ORG)))
    orgtui("post", "--to", "ben", "please rerun the baseline", env={"ORGTUI_AGENT": "ann"})
    inbox = (tmp_path / ".orgtui" / "talky" / "comms" / "inbox" / "ben.md").read_text()
    assert re.search(
        r"## \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · ann → ben\n\nplease rerun the baseline\n", inbox
    )
    proc = orgtui("post", "--to", "nobody", "hi", check=False)
    assert proc.returncode == 2 and "no agent named 'nobody'" in proc.stderr


def test_post_from_inside_a_pane_uses_the_pane_org(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(ORG)))
    done = tmp_path / "posted"
    orgtui("send", "ann", f"orgtui post 'hello from the pane' && touch {done}")
    wait_for(done.exists, what="the agent's post")
    board = (tmp_path / ".orgtui" / "talky" / "comms" / "board.md").read_text()
    assert " · ann\n\nhello from the pane\n" in board


def test_logs_print_the_pane_output(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(ORG)))
    orgtui("send", "ben", "echo marker-$((6*7))")
    wait_for(lambda: "marker-42" in orgtui("logs", "ben").stdout, what="the log to hold the output")
    proc = orgtui("logs", "nobody", check=False)
    assert proc.returncode == 2 and "ann, ben" in proc.stderr
