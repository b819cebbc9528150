"""`orgtui down`: no process of the org is left (agents, a `nohup`ed child that left the pane's
session, the tmux server, orgd); `--clean` removes clean worktrees and keeps dirty ones."""

from __future__ import annotations

import os
from pathlib import Path

from orgtui.control.procs import alive
from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

ESCAPE = 'setsid nohup sleep 1000 >/dev/null 2>&1 & echo $! > "$ORGTUI_WORKTREE/../escaped.pid"'
ORG = org_toml(
    "downy",
    agent_toml("a", ["sh", "-c", f"{ESCAPE}; exec bash --norc"]),
    agent_toml("b", ["bash", "--norc"]),
    agent_toml("c", ["sh", "-c", "trap '' HUP TERM; while :; do sleep 1; done"]),
)


def tmux_server_pid(socket: str) -> int | None:
    import subprocess

    out = subprocess.run(
        ["tmux", "-S", socket, "display", "-p", "#{pid}"], capture_output=True, text=True
    )
    return int(out.stdout) if out.returncode == 0 else None


def test_down_leaves_no_process_behind(write_org, orgtui, tmp_path: Path):
    org = write_org(ORG)
    orgtui("up", str(org))
    status = wait_for(
        lambda: (s := orgtui.status()) and all(a["state"] == "running" for a in s["agents"]) and s
    )
    escaped_file = tmp_path / ".orgtui" / "downy" / "worktrees" / "escaped.pid"
    wait_for(escaped_file.exists)
    escaped = int(escaped_file.read_text())
    server = tmux_server_pid(status["tmux_socket"])
    pids = {status["daemon_pid"], server, escaped, *(a["pane_pid"] for a in status["agents"])}
    assert None not in pids and alive(pids) == pids
    out = orgtui("down", "downy")
    assert "org downy is down" in out.stdout and "would not die" not in out.stderr
    wait_for(lambda: not alive(pids), timeout=10, what=f"all of {pids} gone")
    assert orgtui("status", "--org", "downy", check=False).returncode == 2


def test_down_when_orgd_is_gone_still_stops_the_agents(write_org, orgtui):
    import signal

    orgtui("up", str(write_org(ORG)))
    status = wait_for(
        lambda: (s := orgtui.status()) and all(a["state"] == "running" for a in s["agents"]) and s
    )
    os.kill(status["daemon_pid"], signal.SIGKILL)
    panes = {a["pane_pid"] for a in status["agents"]}
    orgtui("down", "downy")
    wait_for(lambda: not alive(panes), timeout=10)


def test_clean_keeps_dirty_worktrees(write_org, orgtui, repo: Path, tmp_path: Path):
    org = write_org(ORG)
    orgtui("up", str(org))
    wait_for(lambda: len(orgtui.status()["agents"]) == 3)
    worktrees = tmp_path / ".orgtui" / "downy" / "worktrees"
    (worktrees / "b" / "notes.md").write_text("uncommitted work\n")
    proc = orgtui("down", "--clean", check=False)
    assert proc.returncode == 1
    assert "kept worktree b" in proc.stderr and "notes.md" in proc.stderr
    assert (worktrees / "b" / "notes.md").read_text() == "uncommitted work\n"
    assert not (worktrees / "a").exists() and not (worktrees / "c").exists()
    branches = git(repo, "branch", "--format=%(refname:short)").split()
    assert {"program/downy"} < set(branches) and len(branches) == 5  # main, program, 3 agents
    assert f"`orgtui down {org} --clean --force` removes them" in proc.stderr
    proc = orgtui("down", str(org), "--clean", "--force")  # its runtime folder is gone now
    assert not (worktrees / "b").exists()
    assert len(git(repo, "branch", "--format=%(refname:short)").split()) == 5


def test_clean_keeps_ignored_files_and_names_them(write_org, orgtui, repo: Path, tmp_path: Path):
    """A checkpoint under a git-ignored folder is work too: `--clean` keeps its worktree and
    lists what it would delete; `--force` removes it."""
    (repo / ".gitignore").write_text("*.log\nckpt/\n")
    git(repo, "commit", "-qam", "ignore checkpoints")
    org = write_org(ORG)
    orgtui("up", str(org))
    wait_for(lambda: len(orgtui.status()["agents"]) == 3)
    worktrees = tmp_path / ".orgtui" / "downy" / "worktrees"
    (worktrees / "a" / "ckpt").mkdir()
    (worktrees / "a" / "ckpt" / "model.pt").write_bytes(b"weights")
    (worktrees / "c" / "run.log").write_text("training output\n")
    proc = orgtui("down", "--clean", check=False)
    assert proc.returncode == 1, proc.stderr
    assert "kept worktree a" in proc.stderr and "ckpt/" in proc.stderr
    assert "kept worktree c" in proc.stderr and "run.log" in proc.stderr
    assert (worktrees / "a" / "ckpt" / "model.pt").read_bytes() == b"weights"
    assert (worktrees / "c" / "run.log").exists()
    assert not (worktrees / "b").exists()  # nothing of an agent's in it but its prompt file
    orgtui("down", str(org), "--clean", "--force")
    assert not (worktrees / "a").exists() and not (worktrees / "c").exists()
