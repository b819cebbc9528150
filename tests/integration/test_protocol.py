"""orgd's socket: 0600 in a 0700 folder; another protocol version gets a clear error, except
`hello`, answered in any version; malformed and oversized frames, unknown requests and fields
that do not fit are refused and orgd goes on answering. A client of another version names
orgd's pid and says how to restart it without stopping the org, and that advice holds: the
agents and a running job carry on under the new orgd."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from orgtui.control.procs import alive
from orgtui.protocol.client import call
from orgtui.protocol.framing import MAX_FRAME, encode, recv_frame
from orgtui.protocol.messages import VERSION, RequestError
from orgtui.protocol.org import Hello, Restart
from tests.helpers import wait_for

ORG = """
[org]
name = "proto"
repo = "{repo}"

[[agent]]
name = "a"
command = "bash --norc"

[scheduler]
devices = "cpu"
cpu_slots = 1
"""


def connect(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


def exchange(path: Path, message: dict) -> dict:
    with connect(str(path)) as s:
        s.sendall(encode(message))
        return recv_frame(s)


def refusal(path: Path, type_: str, **args: object) -> tuple[str, str]:
    """orgd's (error, code) for a request no dataclass makes (the client checks its own)."""
    reply = exchange(path, {"v": VERSION, "type": type_, "args": args})
    assert not reply["ok"], reply
    return reply["error"], reply["code"]


def test_socket_is_private_and_frames_are_checked(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    status = orgtui.status()
    sock_path = Path(status["tmux_socket"]).with_name("orgd.sock")
    assert stat.S_IMODE(sock_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(sock_path.parent.stat().st_mode) == 0o700

    # Another protocol version: refused, naming orgd's pid and how to restart it.
    reply = exchange(sock_path, {"v": 99, "type": "status", "args": {}})
    assert reply["ok"] is False and reply["code"] == "bad_version"
    assert "protocol version mismatch" in reply["error"]
    assert f"`kill {status['daemon_pid']}`, then `orgtui up {status['file']}`" in reply["error"]

    # ... but `hello` is answered in any version, with the same keys.
    for version in (1, 99, None):
        reply = exchange(sock_path, {"v": version, "type": "hello"})
        assert reply == {"v": VERSION, "ok": True,
                         "result": {"org": "proto", "pid": status["daemon_pid"],
                                    "protocol": VERSION}}  # fmt: skip

    # Not JSON.
    s = connect(str(sock_path))
    s.sendall(struct.pack(">I", 5) + b"nope!")
    reply = recv_frame(s)
    assert reply["code"] == "bad_request" and "not UTF-8 JSON" in reply["error"]
    s.close()

    # Oversized: refused from the header alone.
    s = connect(str(sock_path))
    s.sendall(struct.pack(">I", MAX_FRAME + 1))
    reply = recv_frame(s)
    assert reply["code"] == "bad_request" and "over the limit" in reply["error"]
    s.close()

    # Cut short, unknown type, bad args, fields that do not fit.
    s = connect(str(sock_path))
    s.sendall(struct.pack(">I", 100) + b"{}")
    s.close()
    error, code = refusal(sock_path, "launch")
    assert error.startswith("unknown request type 'launch' (known: hello, ")
    reply = exchange(sock_path, {"v": VERSION, "type": "send", "args": []})
    assert reply["code"] == "bad_request" and "must be an object" in reply["error"]
    assert refusal(sock_path, "job_submit", agent="a", gpus="x", command=["true"]) == (
        """job_submit: 'gpus' must be an integer, not "x\"""",
        "bad_request",
    )
    error, code = refusal(sock_path, "send", agent="a", text="hi", timeout_s=True)
    assert error == "send: 'timeout_s' must be a number, not true" and code == "bad_request"
    with pytest.raises(RequestError, match="no agent named 'zed'"):
        call(sock_path, Restart(agent="zed"))

    # orgd is unharmed.
    again = orgtui.status()
    assert again["daemon_pid"] == status["daemon_pid"]
    assert json.dumps(again["agents"][0]["name"]) == '"a"'
    assert call(sock_path, Hello()).pid == status["daemon_pid"]


def test_a_client_of_another_version_says_how_to_restart_orgd_and_that_keeps_the_org(
    write_org, orgtui
):
    org_file = write_org(ORG)
    orgtui("up", str(org_file))
    before = orgtui.status()
    old_pid, pane_pid = before["daemon_pid"], before["agents"][0]["pane_pid"]
    job = json.loads(orgtui("job", "submit", "--agent", "a", "--json", "--", "sh", "-c",
                            "sleep 3; echo val_bpb: 0.5").stdout)  # fmt: skip
    wait_for(lambda: orgtui.status()["scheduler"]["running"] == [job["id"]], what="job running")

    # This orgtui as if it spoke version 1: it says so and exits 1.
    older = ("import sys, orgtui.protocol.messages as m; m.VERSION = 1; "
             "from orgtui.cli.main import main; sys.exit(main(sys.argv[1:]))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", older, "status", "--org", "proto"],
                          capture_output=True, text=True, env=orgtui.env, timeout=60)  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip() == (
        f"orgtui: orgd (pid {old_pid}) speaks protocol version {VERSION} and this orgtui speaks "
        f"1. To restart orgd with this orgtui without stopping the org: `kill {old_pid}`, then "
        f"`orgtui up {org_file}` (its agents and running jobs keep running; the new orgd "
        "adopts them)"
    )

    # The advice, followed: the agent's program and the job carry on under a new orgd.
    os.kill(old_pid, signal.SIGTERM)
    wait_for(lambda: not alive([old_pid]), timeout=20, what="the old orgd to exit")
    orgtui("up", str(org_file))
    after = orgtui.status()
    assert after["daemon_pid"] != old_pid
    assert after["agents"][0]["pane_pid"] == pane_pid and after["agents"][0]["restarts"] == 0

    def ended() -> dict | None:
        shown = json.loads(orgtui("job", "show", str(job["id"]), "--json").stdout)
        return shown if shown["state"] not in ("queued", "running") else None

    done = wait_for(ended, timeout=30, what="the job to end")
    assert (done["state"], done["metrics"]) == ("ok", {"val_bpb": 0.5})
