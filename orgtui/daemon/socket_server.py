"""orgd's unix socket: 0600 in a 0700 folder, the peer's uid checked; each frame decoded into
its request's dataclass and handed to that request's one handler. A malformed or oversized
frame gets an error and the connection is closed; a request that does not decode gets a
`bad_request` naming the field; orgd goes on."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgtui.daemon.handlers import HANDLERS
from orgtui.daemon.peer import Peer, peer_of
from orgtui.protocol import framing
from orgtui.protocol.codec import encode
from orgtui.protocol.framing import FrameError, read_frame
from orgtui.protocol.messages import BAD_REQUEST, BAD_VERSION, VERSION, RequestError, error, ok
from orgtui.protocol.org import Hello
from orgtui.protocol.requests import decode_request

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd

log = logging.getLogger("orgd.socket")


async def dispatch(orgd: Orgd, message: dict[str, Any], peer: Peer) -> dict[str, Any]:
    """The response to one request, once orgd serves (its socket listens before its
    agents start, so their first requests wait here rather than fail)."""
    await orgd.serving.wait()
    # `hello` in any version: a client of another one learns which orgd it met.
    if message.get("v") != VERSION and message.get("type") != Hello.NAME:
        pid = os.getpid()
        return error(
            f"protocol version mismatch: this orgd (pid {pid}) speaks {VERSION}, the client "
            f"{message.get('v')!r}: use the orgtui that started it, or restart orgd with "
            f"yours without stopping the org: `kill {pid}`, then `orgtui up {orgd.cfg.file}`",
            BAD_VERSION,
        )
    try:
        req = decode_request(message)
    except RequestError as e:
        return error(str(e), e.code)
    try:
        return ok(encode(await HANDLERS[type(req)](orgd, req, peer)))
    except RequestError as e:
        return error(str(e), e.code)
    except Exception as e:  # a handler's bug must not take orgd down
        log.exception("handler %s failed", req.NAME)
        return error(f"orgd failed on {req.NAME}: {e}")


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
                    writer.write(framing.encode(error(f"malformed request: {e}", BAD_REQUEST)))
                    await writer.drain()
                    return
                if message is None:
                    return
                writer.write(framing.encode(await dispatch(orgd, message, peer)))
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
