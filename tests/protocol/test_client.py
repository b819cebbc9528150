"""The client against a fake orgd on a real unix socket: a call sends its request's dataclass
and gets its reply's, and an orgd of another protocol version (an old one that refuses
version 2 or 3 but answers `hello` in its own) is named with its pid and the way to restart it
without stopping the org."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orgtui.protocol.client import VersionMismatch, answers, call
from orgtui.protocol.framing import encode, recv_frame
from orgtui.protocol.messages import BAD_VERSION, VERSION, RequestError
from orgtui.protocol.org import Greeting, Hello, Send
from orgtui.protocol.status import Status

Reply = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def fake_orgd(runtime_dir: Path) -> Iterator[Callable[[Reply], Path]]:
    """Serve `reply(request)` on `<runtime_dir>/org/orgd.sock`; its path."""
    servers: list[socket.socket] = []

    def start(reply: Reply) -> Path:
        folder = runtime_dir / "org"
        folder.mkdir()
        path = folder / "orgd.sock"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen()
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.sendall(encode(reply(recv_frame(conn))))

        threading.Thread(target=serve, daemon=True).start()
        return path

    yield start
    for server in servers:
        server.close()


def v1_orgd(request: dict[str, Any]) -> dict[str, Any]:
    """orgd as protocol version 1 answered: a v1 `hello`, and a refusal of anything else."""
    if request["v"] == 1 and request["type"] == "hello":
        return {"v": 1, "ok": True, "result": {"org": "lab", "pid": 4242, "protocol": 1}}
    return {"v": 1, "ok": False, "code": "bad_version",
            "error": "protocol version mismatch: this orgd speaks 1, the client 2"}  # fmt: skip


def test_a_call_sends_its_requests_dataclass_and_gets_its_replys(fake_orgd):
    seen: list[dict[str, Any]] = []

    def orgd(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        result = {"org": "lab", "pid": 7, "protocol": 2} if request["type"] == "hello" else \
            {"agent": "a", "seconds": 0.25}  # fmt: skip
        return {"v": VERSION, "ok": True, "result": result}

    sock = fake_orgd(orgd)
    assert call(sock, Hello()) == Greeting(org="lab", pid=7, protocol=2)
    assert call(sock, Send(agent="a", text="hi")).seconds == 0.25
    assert seen[1] == {"v": VERSION, "type": "send",
                       "args": {"agent": "a", "text": "hi", "timeout_s": 60.0}}  # fmt: skip
    assert answers(sock)


def test_a_reply_that_does_not_fit_its_class_is_said(fake_orgd):
    sock = fake_orgd(lambda r: {"v": VERSION, "ok": True, "result": {"org": "lab", "pid": "7"}})
    with pytest.raises(RequestError, match="""orgd's answer to hello does not fit: 'pid' must"""):
        call(sock, Hello())


def test_an_old_orgd_is_named_with_its_pid_and_how_to_restart_it(fake_orgd):
    sock = fake_orgd(v1_orgd)
    (sock.parent / "org.json").write_text(json.dumps({"name": "lab", "file": "/srv/lab.toml"}))
    with pytest.raises(VersionMismatch) as e:
        call(sock, Send(agent="a", text="hi"))
    assert e.value.code == BAD_VERSION and e.value.pid == 4242 and e.value.theirs == 1
    assert str(e.value) == (
        "orgd (pid 4242) speaks protocol version 1 and this orgtui speaks 3. To restart orgd "
        "with this orgtui without stopping the org: `kill 4242`, then `orgtui up "
        "/srv/lab.toml` (its agents and running jobs keep running; the new orgd adopts them)"
    )
    with pytest.raises(VersionMismatch, match="pid 4242"):  # the cockpit's status poll too
        call(sock, Status())
    assert not answers(sock)


def test_without_a_hello_in_its_version_the_pid_comes_from_the_pid_file(fake_orgd):
    sock = fake_orgd(lambda r: {"v": 3, "ok": False, "code": "bad_version", "error": "no"})
    with pytest.raises(VersionMismatch, match=r"`kill ORGD_PID`, then `orgtui up ORGFILE`"):
        call(sock, Hello())
    (sock.parent / "orgd.pid").write_text("5151\n")
    with pytest.raises(VersionMismatch, match=r"orgd \(pid 5151\) speaks protocol version 3"):
        call(sock, Hello())
