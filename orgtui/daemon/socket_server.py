"""orgd's unix socket: 0600 in a 0700 folder, the peer's uid checked, one handler per request
type. A malformed or oversized frame gets an error and the connection is closed; orgd goes on."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgtui.daemon.handlers import HANDLERS
from orgtui.protocol.framing import FrameError, encode, read_frame
from orgtui.protocol.messages import (
    BAD_REQUEST,
    BAD_VERSION,
    VERSION,
    RequestError,
    error,
    ok,
)

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd

log = logging.getLogger("orgd.socket")


@dataclass(frozen=True)
class Peer:
    """The process on the other end of a connection."""

    pid: int
    uid: int


def peer_of(writer: asyncio.StreamWriter) -> Peer:
    sock: socket.socket = writer.get_extra_info("socket")
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", creds)
    return Peer(pid=pid, uid=uid)


async def dispatch(orgd: Orgd, message: dict[str, Any], peer: Peer) -> dict[str, Any]:
    """The response to one request."""
    if message.get("v") != VERSION:
        return error(
            f"protocol version mismatch: this orgd speaks {VERSION}, the client "
            f"{message.get('v')!r}; use one orgtui installation for `up` and the commands",
            BAD_VERSION,
        )
    kind = message.get("type")
    args = message.get("args", {})
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        return error(f"unknown request type {kind!r}", BAD_REQUEST)
    if not isinstance(args, dict):
        return error("request args must be an object", BAD_REQUEST)
    try:
        return ok(await handler(orgd, args, peer))
    except RequestError as e:
        return error(str(e), e.code)
    except Exception as e:  # a handler's bug must not take orgd down
        log.exception("handler %s failed", kind)
        return error(f"orgd failed on {kind}: {e}")


async def serve(orgd: Orgd, path: Path) -> asyncio.AbstractServer:
    """Listen on `path` (replacing a stale socket file)."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            peer = peer_of(writer)
            if peer.uid != os.getuid():
                log.warning("refused a connection from uid %d", peer.uid)
                return
            while True:
                try:
                    message = await read_frame(reader)
                except FrameError as e:
                    writer.write(encode(error(f"malformed request: {e}", BAD_REQUEST)))
                    await writer.drain()
                    return
                if message is None:
                    return
                writer.write(encode(await dispatch(orgd, message, peer)))
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    path.unlink(missing_ok=True)
    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(on_connect, path=str(path), limit=1 << 20)
    finally:
        os.umask(old)
    path.chmod(0o600)
    return server
