"""Who is on the other end of a connection to orgd's socket: its pid and uid, from the
kernel (SO_PEERCRED), never from what the client says."""

from __future__ import annotations

import asyncio
import socket
import struct
from dataclasses import dataclass


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
