"""A blocking client of orgd's socket: one request, one response per call."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from orgtui.protocol.framing import FrameError, encode, recv_frame
from orgtui.protocol.messages import BAD_VERSION, VERSION, RequestError, request


class DaemonUnreachable(Exception):
    """orgd's socket is missing, refuses connections or hung up."""


def call(sock_path: Path, type_: str, timeout: float = 10.0, **args: Any) -> Any:
    """Send one request to orgd and return its result; RequestError if orgd refused it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(sock_path))
        except (FileNotFoundError, ConnectionRefusedError) as e:
            raise DaemonUnreachable(f"orgd is not answering on {sock_path}: {e.strerror}") from None
        sock.sendall(encode(request(type_, **args)))
        try:
            response = recv_frame(sock)
        except (FrameError, ConnectionError) as e:
            raise DaemonUnreachable(f"orgd hung up on {sock_path}: {e}") from None
        except TimeoutError:
            raise RequestError(
                f"orgd did not answer '{type_}' within {timeout:g}s", "timeout"
            ) from None
    finally:
        sock.close()
    if response.get("v") != VERSION and response.get("code") != BAD_VERSION:
        raise RequestError(
            f"orgd speaks protocol version {response.get('v')}, this client {VERSION}: "
            "run `orgtui down` and `orgtui up` with one orgtui installation",
            BAD_VERSION,
        )
    if not response.get("ok"):
        raise RequestError(str(response.get("error")), str(response.get("code")))
    return response.get("result")


def answers(sock_path: Path, timeout: float = 1.0) -> bool:
    """Whether orgd answers `hello` on `sock_path`."""
    try:
        call(sock_path, "hello", timeout=timeout)
    except (DaemonUnreachable, RequestError, OSError):
        return False
    return True
