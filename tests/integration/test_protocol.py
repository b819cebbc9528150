"""orgd's socket: 0600 in a 0700 folder; another protocol version gets a clear error; malformed
and oversized frames are refused and orgd goes on answering."""

from __future__ import annotations

import json
import socket
import stat
import struct
from pathlib import Path

import pytest

from orgtui.protocol.client import call
from orgtui.protocol.framing import MAX_FRAME, encode, recv_frame
from orgtui.protocol.messages import RequestError

ORG = """
[org]
name = "proto"
repo = "{repo}"

[[agent]]
name = "a"
command = "bash --norc"
"""


def connect(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


def test_socket_is_private_and_frames_are_checked(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    status = orgtui.status()
    sock_path = Path(status["tmux_socket"]).with_name("orgd.sock")
    assert stat.S_IMODE(sock_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(sock_path.parent.stat().st_mode) == 0o700

    # Another protocol version.
    s = connect(str(sock_path))
    s.sendall(encode({"v": 99, "type": "status", "args": {}}))
    reply = recv_frame(s)
    assert reply["ok"] is False and reply["code"] == "bad_version"
    assert "protocol version mismatch" in reply["error"]
    s.close()

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

    # Cut short, unknown type, bad args.
    s = connect(str(sock_path))
    s.sendall(struct.pack(">I", 100) + b"{}")
    s.close()
    with pytest.raises(RequestError, match="unknown request type 'launch'"):
        call(sock_path, "launch")
    s = connect(str(sock_path))
    s.sendall(encode({"v": 1, "type": "send", "args": []}))
    assert "must be an object" in recv_frame(s)["error"]
    s.close()

    # orgd is unharmed.
    again = orgtui.status()
    assert again["daemon_pid"] == status["daemon_pid"]
    assert json.dumps(again["agents"][0]["name"]) == '"a"'
