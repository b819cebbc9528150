"""`orgtui up`: agents in their worktrees, on their branches, with their environment; a second
`up` re-adopts; two `up`s at once make one orgd; orgd killed with SIGKILL is replaced by one that
adopts the running panes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

# Each agent writes its environment and working folder beside its worktree, then is a shell.
DUMP = [
    "sh",
    "-c",
    'env > "$ORGTUI_WORKTREE/../$ORGTUI_AGENT.env"; '
    'pwd > "$ORGTUI_WORKTREE/../$ORGTUI_AGENT.pwd"; exec bash --norc',
]
THREE = org_toml(
    "three",
    agent_toml("alice", DUMP, role="chief", size="100x30"),
    agent_toml(
        "bob", DUMP, count=2, role="junior", reports_to="alice", env={"WANDB_MODE": "offline"}
    ),
)


def running(orgtui, n: int) -> dict | None:
    status = orgtui.status()
    agents = status["agents"]
    ok = len(agents) == n and all(a["state"] == "running" and a["pane_pid"] for a in agents)
    return status if ok else None


def test_up_brings_three_agents_up_in_their_worktrees(
    write_org, orgtui, repo: Path, tmp_path: Path
):
    org = write_org(THREE)
    out = orgtui("up", str(org)).stdout
    assert "org three is up: 3 agents" in out
    status = wait_for(lambda: running(orgtui, 3), what="3 running agents")
    assert [a["name"] for a in status["agents"]] == ["alice", "bob-1", "bob-2"]
    assert status["org"] == "three" and status["file"] == str(org)
    assert set(status["agents"][0]) >= {
        "name", "role", "kind", "branch", "worktree", "state", "activity",
        "idle_seconds", "exit_status", "pane_pid", "restarts",
    }  # fmt: skip

    workdir = tmp_path / ".orgtui" / "three"
    branches = git(repo, "branch", "--format=%(refname:short)").split()
    worktrees = git(repo, "worktree", "list", "--porcelain")
    for agent in status["agents"]:
        name = agent["name"]
        wt = workdir / "worktrees" / name
        assert agent["worktree"] == str(wt)
        assert agent["branch"] in branches
        assert f"worktree {wt}\n" in worktrees
        assert git(wt, "rev-parse", "--abbrev-ref", "HEAD").strip() == agent["branch"]
        env_file = workdir / "worktrees" / f"{name}.env"
        wait_for(env_file.exists, what=f"{name}'s environment dump")
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        assert env["ORGTUI_AGENT"] == name
        assert env["ORGTUI_ROLE"] == agent["role"]
        assert env["ORGTUI_ORG"] == str(org)
        assert env["ORGTUI_WORKTREE"] == str(wt)
        assert env["ORGTUI_COMMS"] == str(workdir / "comms")
        assert Path(env["ORGTUI_SOCKET"]).name == "orgd.sock"
        assert env["PATH"].split(":")[0] == str(workdir / "bin" / name)
        assert env["CUDA_VISIBLE_DEVICES"] == ""
        assert (workdir / "worktrees" / f"{name}.pwd").read_text().strip() == str(wt)
    assert env["WANDB_MODE"] == "offline"  # bob-2's own env
    # The program branch came from main; each agent's bin folder runs this orgtui.
    assert "program/three" in branches
    assert git(repo, "rev-parse", "program/three") == git(repo, "rev-parse", "main")
    version = subprocess.run(
        [str(workdir / "bin" / "alice" / "orgtui"), "--help"], capture_output=True, text=True
    )
    assert version.returncode == 0 and "research org" in version.stdout
    # Each window has its agent's size (80x24 by default).
    sizes = subprocess.run(
        [
            "tmux",
            "-S",
            status["tmux_socket"],
            "list-windows",
            "-F",
            "#{window_name} #{window_width}x#{window_height}",
        ],
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    assert sizes[:3] == ["alice 100x30", "bob-1 80x24", "bob-2 80x24"]
    # The comms files exist.
    assert (workdir / "comms" / "board.md").exists()
    assert {p.name for p in (workdir / "comms" / "inbox").iterdir()} == {
        "alice.md",
        "bob-1.md",
        "bob-2.md",
    }


def test_second_up_readopts_without_restarting(write_org, orgtui):
    org = write_org(THREE)
    orgtui("up", str(org))
    before = wait_for(lambda: running(orgtui, 3))
    out = orgtui("up", str(org)).stdout
    assert "already running" in out
    after = orgtui.status()
    assert after["daemon_pid"] == before["daemon_pid"]
    assert [a["pane_pid"] for a in after["agents"]] == [a["pane_pid"] for a in before["agents"]]


def test_two_concurrent_ups_start_one_orgd(write_org, orgtui, runtime_dir):
    org = write_org(THREE)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "orgtui", "up", str(org)],
            env=orgtui.env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    orgtui.started.append(str(org))
    assert all(p.returncode == 0 for p in procs), outs
    assert sorted("already running" in o for o in outs) == [False, True]
    status = wait_for(lambda: running(orgtui, 3))
    daemons = subprocess.run(
        ["pgrep", "-f", f"orgtui.daemon {org}"], capture_output=True, text=True
    ).stdout.split()
    assert daemons == [str(status["daemon_pid"])]
    windows = subprocess.run(
        ["tmux", "-S", status["tmux_socket"], "list-windows", "-a", "-F", "#{window_name}"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert windows == ["alice", "bob-1", "bob-2"]


def test_orgd_killed_then_up_adopts_running_panes(write_org, orgtui):
    org = write_org(THREE)
    orgtui("up", str(org))
    before = wait_for(lambda: running(orgtui, 3))
    os.kill(before["daemon_pid"], signal.SIGKILL)
    wait_for(
        lambda: orgtui("status", "--org", "three", check=False).returncode != 0, what="orgd gone"
    )
    assert "is up" in orgtui("up", str(org)).stdout
    after = wait_for(lambda: running(orgtui, 3))
    assert after["daemon_pid"] != before["daemon_pid"]
    assert [a["pane_pid"] for a in after["agents"]] == [a["pane_pid"] for a in before["agents"]]
    assert all(a["restarts"] == 0 for a in after["agents"])
