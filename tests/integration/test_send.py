"""`orgtui send`: text reaches a bash agent, an agent that takes 2 s before it reads input, and a
program with bracketed paste (several lines as one message); a dead agent fails clearly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import agent_toml, org_toml, wait_for

AGENTS = Path(__file__).parent.parent / "agents"


def org_text(tmp_path: Path) -> str:
    slow = [sys.executable, str(AGENTS / "slow_reader.py"), str(tmp_path / "slow.txt")]
    paste = [sys.executable, str(AGENTS / "paste_reader.py"), str(tmp_path / "paste.jsonl")]
    return org_toml(
        "sendy",
        agent_toml("shell", "bash --norc --noprofile"),
        agent_toml("slow", slow, ready="^> "),
        agent_toml("paste", paste),
        agent_toml("gone", ["true"], restart="no"),
    )


def test_send_reaches_bash(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(org_text(tmp_path))))
    target = tmp_path / "hello.txt"
    out = orgtui("send", "shell", f"echo hello from send > {target}").stdout
    assert "delivered to shell" in out
    wait_for(
        lambda: target.exists() and target.read_text() == "hello from send\n",
        what="bash ran the command",
    )


def test_send_waits_for_an_agent_that_reads_late(write_org, orgtui, tmp_path: Path):
    # Sent at once after `up`: the agent throws away input typed in its first 2 s.
    orgtui("up", str(write_org(org_text(tmp_path))))
    orgtui("send", "slow", "first message")
    orgtui("send", "slow", "second message")
    wait_for(lambda: (tmp_path / "slow.txt").exists(), what="slow agent got input")
    wait_for(lambda: (tmp_path / "slow.txt").read_text() == "first message\nsecond message\n")


def test_multiline_message_arrives_as_one_bracketed_paste(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(org_text(tmp_path))))
    orgtui("send", "paste", "line one\nline two\n\x1b[201~line three")
    out = tmp_path / "paste.jsonl"
    wait_for(out.exists, what="a submitted message")
    messages = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(messages) == 1
    # One paste holding every line (tmux turns newlines into CR inside it); the hostile
    # end-of-paste marker arrived as text without its ESC, inside the same paste.
    assert messages[0]["pastes"] == 1
    assert messages[0]["text"].replace("\r", "\n") == "line one\nline two\n[201~line three"


def test_send_to_dead_agent_fails_clearly(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(org_text(tmp_path))))
    wait_for(
        lambda: (
            next(a for a in orgtui.status()["agents"] if a["name"] == "gone")["state"] == "exited"
        )
    )
    proc = orgtui("send", "gone", "hello", "--timeout", "1", check=False)
    assert proc.returncode == 1
    assert "gone: not ready for input after 1s: its program has exited" in proc.stderr


def test_send_to_unknown_agent_is_bad_input(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(org_text(tmp_path))))
    proc = orgtui("send", "nobody", "hello", check=False)
    assert proc.returncode == 2
    assert "no agent named 'nobody'" in proc.stderr and "shell, slow, paste, gone" in proc.stderr
