"""An org's runtime folder lives as long as the org: `down` removes it, and `up` removes the
folder of an org that was killed outright (orgd and its tmux server gone), so none pile up."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from orgtui.control.procs import alive
from tests.helpers import agent_toml, org_toml, wait_for


def folders(runtime_dir: Path) -> list[str]:
    root = runtime_dir / "orgtui"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def running(orgtui, org: str) -> dict:
    return wait_for(
        lambda: (
            (s := orgtui.status(org))
            and all(a["state"] == "running" and a["pane_pid"] for a in s["agents"])
            and s
        ),
        what=f"org {org} running",
    )


def kill_outright(orgtui, org: str) -> Path:
    """SIGKILL orgd and the tmux server, as a crash or an OOM kill would; the org's folder."""
    status = running(orgtui, org)
    folder = Path(status["tmux_socket"]).parent
    server = int(subprocess.run(["tmux", "-S", status["tmux_socket"], "display", "-p", "#{pid}"],
                                capture_output=True, text=True, check=True).stdout)  # fmt: skip
    pids = {status["daemon_pid"], server}
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pids), what=f"{pids} gone")
    return folder


def test_down_removes_the_runtime_folder(write_org, orgtui, runtime_dir: Path):
    org = write_org(org_toml("tidy", agent_toml("a")))
    orgtui("up", str(org))
    folder = Path(running(orgtui, "tidy")["tmux_socket"]).parent
    assert folders(runtime_dir) == [folder.name]
    orgtui("down", "tidy")
    wait_for(lambda: not folder.exists(), what=f"{folder} removed")
    assert folders(runtime_dir) == []


def test_up_removes_the_folders_of_killed_orgs(write_org, orgtui, runtime_dir: Path):
    one = write_org(org_toml("one", agent_toml("a")), name="one.toml")
    two = write_org(org_toml("two", agent_toml("a")), name="two.toml")
    orgtui("up", str(one))
    dead = kill_outright(orgtui, "one")
    assert dead.is_dir() and (dead / "tmux.sock").exists()

    # Another org's up removes it.
    orgtui("up", str(two))
    assert not dead.exists()
    assert len(folders(runtime_dir)) == 1

    # This org's own up clears what a killed orgd left (a half-written org.json here).
    mine = kill_outright(orgtui, "two")
    (mine / "org.tmp").write_text('{"name": "tw')
    orgtui("up", str(two))
    running(orgtui, "two")
    assert not (mine / "org.tmp").exists()

    # A killed org whose folder is gone is still found by its file.
    out = orgtui("down", str(one))
    assert "org one is down" in out.stdout
    orgtui("down", str(two))
    wait_for(lambda: folders(runtime_dir) == [], what="every folder removed")
