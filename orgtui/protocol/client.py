"""A blocking client of orgd's socket: one request, one reply per call.

`call(sock, JobShow(job=3))` sends the request's dataclass and returns its reply's (here a
`JobDetail`); a refusal raises `RequestError` with orgd's message and code. An orgd that
speaks another protocol version raises `VersionMismatch`, which names its pid and says how to
restart it without stopping the org.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, TypeVar

from orgtui.config.runtime import read_info
from orgtui.protocol import framing
from orgtui.protocol.codec import FieldError, decode, encode
from orgtui.protocol.framing import FrameError, recv_frame
from orgtui.protocol.messages import BAD_VERSION, FAILED, TIMEOUT, VERSION, Request, RequestError
from orgtui.protocol.org import Hello

R = TypeVar("R")


class DaemonUnreachable(Exception):
    """orgd's socket is missing, refuses connections or hung up."""


class VersionMismatch(RequestError):
    """orgd speaks another protocol version than this client."""

    def __init__(self, theirs: object, pid: int | None, org_file: str | None) -> None:
        self.theirs, self.pid = theirs, pid
        who = f"orgd (pid {pid})" if pid else "orgd"
        kill = f"kill {pid}" if pid else "kill ORGD_PID"
        super().__init__(
            f"{who} speaks protocol version {theirs} and this orgtui speaks {VERSION}. "
            f"To restart orgd with this orgtui without stopping the org: `{kill}`, then "
            f"`orgtui up {org_file or 'ORGFILE'}` (its agents and running jobs keep running; "
            "the new orgd adopts them)",
            BAD_VERSION,
        )


def call(sock_path: Path, req: Request[R], timeout: float = 10.0) -> R:
    """Send one request to orgd and return its reply; RequestError if orgd refused it."""
    result = _call(sock_path, req.NAME, encode(req), timeout)
    try:
        return decode(req.reply, result)
    except FieldError as e:
        raise RequestError(f"orgd's answer to {req.NAME} does not fit: {e}", FAILED) from None


def answers(sock_path: Path, timeout: float = 1.0) -> bool:
    """Whether an orgd of this protocol version answers `hello` on `sock_path`."""
    try:
        call(sock_path, Hello(), timeout=timeout)
    except (DaemonUnreachable, RequestError, OSError):
        return False
    return True


def _call(sock_path: Path, type_: str, args: dict[str, Any], timeout: float) -> Any:
    response = _exchange(sock_path, {"v": VERSION, "type": type_, "args": args}, timeout)
    if response.get("v") != VERSION or response.get("code") == BAD_VERSION:
        raise _mismatch(sock_path, response.get("v"), timeout)
    if not response.get("ok"):
        raise RequestError(str(response.get("error")), str(response.get("code")))
    return response.get("result")


def _exchange(sock_path: Path, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(sock_path))
        except (FileNotFoundError, ConnectionRefusedError) as e:
            raise DaemonUnreachable(f"orgd is not answering on {sock_path}: {e.strerror}") from None
        sock.sendall(framing.encode(message))
        try:
            return recv_frame(sock)
        except (FrameError, ConnectionError) as e:
            raise DaemonUnreachable(f"orgd hung up on {sock_path}: {e}") from None
        except TimeoutError:
            raise RequestError(
                f"orgd did not answer '{message.get('type')}' within {timeout:g}s", TIMEOUT
            ) from None
    finally:
        sock.close()


def _mismatch(sock_path: Path, theirs: object, timeout: float) -> VersionMismatch:
    """What to say of an orgd of version `theirs`: its pid from a `hello` in its own version
    (every orgd answers that), else from its pid file."""
    pid: int | None = None
    try:
        greeting = _exchange(sock_path, {"v": theirs, "type": "hello", "args": {}}, timeout)
        result = greeting.get("result")
        if greeting.get("ok") and isinstance(result, dict) and isinstance(result.get("pid"), int):
            pid = result["pid"]
    except (DaemonUnreachable, RequestError, OSError):
        pass
    if pid is None:
        try:
            pid = int(sock_path.with_name("orgd.pid").read_text().strip())
        except (OSError, ValueError):
            pid = None
    info = read_info(sock_path.parent) or {}
    return VersionMismatch(theirs, pid, info.get("file"))
