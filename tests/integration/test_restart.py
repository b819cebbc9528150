"""Restart policies: `no` leaves the pane dead with its status, `on-failure` restarts only
failures, `always` restarts clean exits too, and a crash loop stops after 5 quick exits."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from orgtui.control.procs import own_processes
from tests.helpers import agent_toml, org_toml, wait_for


def exits(code: int) -> list[str]:
    return ["sh", "-c", f"sleep 0.3; exit {code}"]


def org_text(**manual: str) -> str:
    """never, fails, clean and always exit after 0.3 s; manual is a shell (`manual`: more of
    its keys)."""
    return org_toml(
        "restarts",
        agent_toml("never", exits(3), restart="no"),
        agent_toml("fails", exits(4), restart="on-failure"),
        agent_toml("clean", exits(0), restart="on-failure"),
        agent_toml("always", exits(0), restart="always"),
        agent_toml("manual", "bash --norc", restart="no", **manual),
    )


ORG = org_text()


def agents(orgtui) -> dict[str, dict]:
    return {a["name"]: a for a in orgtui.status()["agents"]}


def test_restart_policies(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    seen: list[tuple[str, int]] = []  # (state, restarts) of `fails` at each reading

    def given_up() -> dict[str, dict] | None:
        a = agents(orgtui)
        seen.append((a["fails"]["state"], a["fails"]["restarts"]))
        done = all(
            a[n]["restarts"] == 4 and a[n]["state"] == "crashed" for n in ("fails", "always")
        )
        return a if done else None

    # A crash loop: 5 quick exits in a row, then orgd gives up (backoff 0.5+1+2+4 s).
    final = wait_for(given_up, timeout=30, what="the crash loop to stop")
    # While a restart is pending it says so; `crashed` only once orgd has given up.
    assert ("restarting", 3) in seen, seen
    assert all(restarts == 4 for state, restarts in seen if state == "crashed"), seen
    assert final["never"]["state"] == "crashed" and final["never"]["exit_status"] == 3
    assert final["never"]["restarts"] == 0
    # tmux 3.3a now and then marks a pane dead without ever giving its exit status (it missed
    # the SIGCHLD); orgd reads the status from the zombie then, so it is known every time.
    assert final["fails"]["exit_status"] == 4
    assert final["clean"]["state"] == "exited" and final["clean"]["exit_status"] == 0
    assert final["clean"]["restarts"] == 0
    assert final["always"]["restarts"] == 4 and final["always"]["state"] == "crashed"
    # It stays given up.
    wait_for(lambda: agents(orgtui)["fails"]["idle_seconds"] >= 3, timeout=10)
    assert agents(orgtui)["fails"]["restarts"] == 4
    # The dead pane stays, showing the exit status.
    socket = orgtui.status()["tmux_socket"]
    screen = subprocess.run(
        ["tmux", "-S", socket, "capture-pane", "-p", "-t", "=restarts:=never"],
        capture_output=True,
        text=True,
    ).stdout
    assert "Pane is dead (status 3" in screen


def test_a_pane_killed_by_a_signal_is_a_known_failure_at_once(write_org, orgtui):
    """tmux tells a death by a signal apart from a status not reaped yet: orgd records 128 +
    the signal, as a shell says it, without waiting out lifecycle.STATUS_WAIT (15 s)."""
    killed = ["sh", "-c", "sleep 0.3; kill -9 $$"]
    org = org_toml("signals", agent_toml("killed", killed, restart="no"))
    orgtui("up", str(write_org(org)))
    up = time.monotonic()
    final = wait_for(
        lambda: (a := agents(orgtui)["killed"])["state"] == "crashed" and a, timeout=10
    )
    assert final["exit_status"] == 128 + signal.SIGKILL
    assert time.monotonic() - up < 10


def test_restart_command_restarts_one_agent(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    before = wait_for(lambda: (a := agents(orgtui))["manual"]["state"] == "running" and a)
    out = orgtui("restart", "manual").stdout
    assert "restarted manual" in out
    after = agents(orgtui)
    assert after["manual"]["pane_pid"] != before["manual"]["pane_pid"]
    assert after["manual"]["restarts"] == 1
    wait_for(lambda: agents(orgtui)["manual"]["state"] == "running")


def test_restart_brings_back_a_closed_window(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    socket = wait_for(lambda: (s := orgtui.status()) and s["tmux_socket"])
    subprocess.run(["tmux", "-S", socket, "kill-window", "-t", "=restarts:=manual"], check=True)
    wait_for(
        lambda: agents(orgtui)["manual"]["state"] == "stopped", what="the closed window noticed"
    )
    orgtui("restart", "manual")
    wait_for(lambda: agents(orgtui)["manual"]["state"] == "running")
    names = subprocess.run(
        ["tmux", "-S", socket, "list-windows", "-F", "#{window_name}"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert names.count("manual") == 1


def test_agents_get_their_instructions_file(write_org, orgtui, tmp_path, repo):
    org = write_org(org_text(kind="claude", prompt="Review every diff."))
    orgtui("up", str(org))
    wt = tmp_path / ".orgtui" / "restarts" / "worktrees"
    claude = wait_for(lambda: (p := wt / "manual" / "CLAUDE.md").exists() and p.read_text())
    assert '# manual: solo in the research org "restarts"' in claude
    assert "Review every diff." in claude and "program/restarts--manual" in claude
    assert (wt / "never" / "AGENTS.md").exists()
    status = subprocess.run(
        ["git", "-C", str(wt / "manual"), "status", "--porcelain"], capture_output=True, text=True
    )
    assert status.stdout == ""  # the instructions file does not make the worktree dirty


def typed_until_logged(orgtui, socket: str, marker: str) -> None:
    """Type `echo MARKER` into manual's pane (again each second: a line typed before bash reads
    its terminal, or while no logger listens, is not logged) until `orgtui logs` shows it."""
    sent = [0.0]

    def logged() -> bool:
        if marker in orgtui("logs", "manual").stdout:
            return True
        if time.monotonic() - sent[0] > 1.0:
            sent[0] = time.monotonic()
            # Quoted apart so the echoed command line itself does not hold the marker.
            typed = f"echo {marker[:-1]}''{marker[-1]}"
            subprocess.run(
                ["tmux", "-S", socket, "send-keys", "-t", "=restarts:=manual", typed, "Enter"],
                check=True,
            )
        return False

    wait_for(logged, timeout=10, interval=0.2, what=f"{marker} in the log")


def test_logs_follow_an_agent_across_restarts(write_org, orgtui):
    """The pane's logger survives `restart` (a second `pipe-pane -o` would toggle it off): after
    each of 5 restarts, output printed after the restart reaches `orgtui logs`."""
    orgtui("up", str(write_org(ORG)))
    socket = wait_for(lambda: (s := orgtui.status()) and s["tmux_socket"])
    wait_for(lambda: agents(orgtui)["manual"]["state"] == "running")
    for n in range(5):
        orgtui("restart", "manual")
        typed_until_logged(orgtui, socket, f"after-restart-{n}")


def test_a_pane_that_lost_its_logger_is_piped_again(write_org, orgtui, tmp_path):
    orgtui("up", str(write_org(ORG)))
    socket = wait_for(lambda: (s := orgtui.status()) and s["tmux_socket"])
    wait_for(lambda: agents(orgtui)["manual"]["state"] == "running")
    typed_until_logged(orgtui, socket, "first-logger")
    log = str(tmp_path / ".orgtui" / "restarts" / "logs" / "manual.log")
    [logger] = [
        p.pid
        for p in own_processes()
        if (cmd := cmdline(p.pid)) and "orgtui.tmux.panelog" in cmd and log in cmd
    ]
    os.kill(logger, signal.SIGKILL)
    typed_until_logged(orgtui, socket, "second-logger")


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []
