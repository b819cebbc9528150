"""`orgtui down` on an org whose orgd does not answer (SIGSTOPped): `down` wakes it and stops
it (SIGCONT and SIGTERM, then SIGKILL), stops the rest itself, and exits 0 only when nothing
of the org is left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from orgtui.control.procs import alive
from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml("frozen", agent_toml("a"), agent_toml("b"))


def tmux_server_pid(socket: str) -> int | None:
    out = subprocess.run(
        ["tmux", "-S", socket, "display", "-p", "#{pid}"], capture_output=True, text=True
    )
    return int(out.stdout) if out.returncode == 0 else None


def test_down_stops_a_stopped_orgd_and_everything_else(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    status = wait_for(
        lambda: (s := orgtui.status()) and all(a["state"] == "running" for a in s["agents"]) and s
    )
    orgd = status["daemon_pid"]
    server = tmux_server_pid(status["tmux_socket"])
    panes = {a["pane_pid"] for a in status["agents"]}
    assert server is not None and alive({orgd, server, *panes}) == {orgd, server, *panes}
    os.kill(orgd, signal.SIGSTOP)
    try:
        start = time.monotonic()
        proc = orgtui("down", "frozen", check=False, timeout=60)
        took = time.monotonic() - start
        assert proc.returncode == 0, proc.stderr
        assert "org frozen is down" in proc.stdout
        assert "did not answer" in proc.stderr and str(orgd) in proc.stderr
        assert not alive({orgd}), "orgd is still running"
        assert not alive({server, *panes})
        assert took < 20, f"down took {took:.1f}s"
        assert orgtui("status", "--org", "frozen", check=False).returncode == 2
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(orgd, signal.SIGCONT)


def test_down_exits_1_naming_what_would_not_die(write_org, orgtui, monkeypatch, capsys):
    """What `down` cannot stop is named, and only that makes it fail (here orgd itself, as if
    SIGKILL could not reach it)."""
    from orgtui.cli import down
    from orgtui.cli.main import main
    from orgtui.control import shutdown

    orgtui("up", str(write_org(ORG)))
    orgd = orgtui.status()["daemon_pid"]
    os.kill(orgd, signal.SIGSTOP)
    monkeypatch.setattr(down, "ANSWER_SECONDS", 1.0)
    monkeypatch.setattr(shutdown, "stop_daemon", lambda pid, wait=3.0: False)
    try:
        assert main(["down", "frozen"]) == 1
        out, err = capsys.readouterr()
        assert "org frozen is down" in out
        assert f"would not die:\n  {orgd} (" in err and "orgtui.daemon" in err
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(orgd, signal.SIGCONT)
