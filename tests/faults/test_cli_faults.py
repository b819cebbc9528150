"""The command line's small faults: `status` of an org whose tmux server died reports it (exit
1, a failure of the running org, not "no such org"); text that is not UTF-8 is bad input
(exit 2); a reader that leaves early (`| head`) gets no traceback from any command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from orgtui.control.procs import alive
from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml("faint", agent_toml("a"), '[scheduler]\ndevices = "cpu"\ncpu_slots = 1\n')


def test_status_of_an_org_whose_tmux_server_died(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    status = orgtui.status()
    server = subprocess.run(["tmux", "-S", status["tmux_socket"], "display", "-p", "#{pid}"],
                            capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    os.kill(int(server), signal.SIGKILL)
    wait_for(lambda: not alive({status["daemon_pid"]}), timeout=20, what="orgd to stop")
    for args in (["status"], ["status", "faint"], ["status", "--json"]):
        proc = orgtui(*args, check=False)
        assert proc.returncode == 1, (args, proc.stderr)
        assert "org faint is not running: its tmux server died" in proc.stderr
        assert f"orgtui up {status['file']}" in proc.stderr
    orgtui("up", status["file"])  # started again: status is itself again
    assert orgtui.status()["daemon_pid"] != status["daemon_pid"]
    orgtui("down", "faint")
    proc = orgtui("status", "faint", check=False)
    assert proc.returncode == 2 and "no org named 'faint'" in proc.stderr


def run_bytes(orgtui, *args: bytes) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable.encode(), b"-m", b"orgtui", *args],
                          capture_output=True, text=True, env=orgtui.env, timeout=60)  # fmt: skip


def test_text_that_is_not_utf8_is_bad_input(orgtui):
    for args in ([b"send", b"a", b"caf\xe9"], [b"post", b"\xff"], [b"send", b"\xff", b"hi"]):
        proc = run_bytes(orgtui, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "is not valid UTF-8" in proc.stderr and "Traceback" not in proc.stderr


def to_a_closed_pipe(orgtui, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `orgtui ARGS` with its stdout a pipe nobody reads any more (`| head` gone)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "orgtui", *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, env=orgtui.env, timeout=60)  # fmt: skip
    finally:
        os.close(write)


def test_no_traceback_when_the_reader_goes_away(write_org, orgtui):
    org = write_org(ORG)
    orgtui("up", str(org))
    orgtui("job", "submit", "--agent", "a", "--wait", "--", "echo", "val_bpb: 1.5")
    commands = [
        ["status"], ["status", "--json"], ["job", "ls"], ["job", "ls", "--json"],
        ["job", "show", "1"], ["job", "logs", "1"], ["results"], ["results", "--tsv"],
        ["logs", "a"], ["validate", str(org)], ["reload", "--dry-run"], ["--help"],
    ]  # fmt: skip
    for args in commands:
        proc = to_a_closed_pipe(orgtui, *args)
        assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, (
            args, proc.stderr)  # fmt: skip
        assert proc.returncode == 0, (args, proc.returncode, proc.stderr)
