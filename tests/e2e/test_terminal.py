"""Driven through a real terminal (pexpect): `orgtui ORGFILE` starts the org and attaches to
it, F12 detaches and the org keeps running; an org started from a login shell survives that
shell's hang-up (the person logging out)."""

from __future__ import annotations

import sys

import pexpect

from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml("termy", agent_toml("solo"))


def spawn(orgtui, *args: str) -> pexpect.spawn:
    env = {**orgtui.env, "TERM": "xterm-256color"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "orgtui", *args],
        env=env,
        dimensions=(40, 120),
        timeout=30,
        encoding="utf-8",
    )


def test_main_job_opens_the_cockpit_and_q_leaves_the_org_running(write_org, orgtui):
    org = write_org(ORG)
    orgtui.started.append(str(org))
    child = spawn(orgtui, str(org))
    child.expect("orgtui · termy")  # the cockpit's top bar
    child.expect("solo")  # the pane's title
    status = orgtui.status()
    assert status["agents"][0]["state"] in ("starting", "running")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    after = orgtui.status()
    assert after["daemon_pid"] == status["daemon_pid"]
    assert after["agents"][0]["pane_pid"] == status["agents"][0]["pane_pid"]


def test_attach_tmux_is_a_plain_client_and_f12_detaches(write_org, orgtui):
    org = write_org(ORG)
    orgtui("up", str(org))
    child = spawn(orgtui, "attach", "--tmux", "termy")
    child.expect("orgtui termy")  # the org server's own status line
    child.expect("F12: back to the grid")
    child.send("\x1b[24~")  # F12
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    wait_for(lambda: orgtui.status()["agents"][0]["state"] == "running")


def test_org_survives_its_starter_logging_out(write_org, orgtui):
    org = write_org(ORG)
    orgtui.started.append(str(org))
    shell = pexpect.spawn(
        "bash", ["--norc", "--noprofile"], env={**orgtui.env, "PS1": "$ "}, timeout=30
    )
    shell.expect_exact("$ ")
    shell.sendline(f"{sys.executable} -m orgtui up {org} && echo UP-$((40+2))")
    shell.expect_exact("UP-42", timeout=60)
    before = wait_for(lambda: (s := orgtui.status()) and s["agents"][0]["state"] == "running" and s)
    shell.close(force=True)  # the terminal goes away: SIGHUP to the login session
    assert not shell.isalive()
    after = orgtui.status()
    assert after["daemon_pid"] == before["daemon_pid"]
    assert after["agents"][0]["pane_pid"] == before["agents"][0]["pane_pid"]
    assert after["agents"][0]["state"] == "running"
