"""Length-prefixed JSON frames: round trips, limits, refusals, and reading from an asyncio
stream and from a blocking socket."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from orgtui.protocol.framing import (
    MAX_FRAME,
    FrameError,
    check_length,
    decode_body,
    encode,
    read_frame,
    recv_frame,
)

MESSAGES: list[dict[str, Any]] = [
    {},
    {"type": "status", "version": 1},
    {"text": "héllo ✓ \x00 \x1b[201~ ; #(touch x)\n", "n": [1, 2.5, None, True]},
    {"nested": {"deep": [{"a": "b"}] * 3}},
]


def header(n: int) -> bytes:
    return struct.pack(">I", n)


def message_of_body_size(size: int) -> dict[str, Any]:
    """A message whose encoded body is exactly `size` bytes."""
    overhead = len(json.dumps({"a": ""}, separators=(",", ":")))
    return {"a": "x" * (size - overhead)}


# -- encode / decode -------------------------------------------------------------------------


@pytest.mark.parametrize("message", MESSAGES)
def test_encode_decode_round_trip(message: dict[str, Any]) -> None:
    frame = encode(message)
    (length,) = struct.unpack(">I", frame[:4])
    assert length == len(frame) - 4
    assert decode_body(frame[4:]) == message


def test_encode_is_a_big_endian_length_then_compact_json() -> None:
    assert encode({"a": 1}) == b'\x00\x00\x00\x07{"a":1}'


def test_encode_accepts_a_frame_of_exactly_the_limit() -> None:
    frame = encode(message_of_body_size(MAX_FRAME))
    assert len(frame) == 4 + MAX_FRAME
    assert check_length(frame[:4]) == MAX_FRAME


def test_encode_refuses_a_frame_over_the_limit() -> None:
    with pytest.raises(FrameError, match=f"over the limit of {MAX_FRAME}"):
        encode(message_of_body_size(MAX_FRAME + 1))


def test_check_length_refuses_a_header_over_the_limit() -> None:
    assert check_length(header(0)) == 0
    assert check_length(header(MAX_FRAME)) == MAX_FRAME
    for n in (MAX_FRAME + 1, 2**32 - 1):
        with pytest.raises(FrameError, match="over the limit"):
            check_length(header(n))


@pytest.mark.parametrize(
    "body", [b"", b"{", b"not json", b'{"a":1} x', b"\xff\xfe", b'{"a":"\xc3"}']
)
def test_decode_refuses_what_is_not_utf8_json(body: bytes) -> None:
    with pytest.raises(FrameError, match="not UTF-8 JSON"):
        decode_body(body)


@pytest.mark.parametrize("body", [b"[]", b"[1,2]", b'"text"', b"3", b"null", b"true"])
def test_decode_refuses_json_that_is_not_an_object(body: bytes) -> None:
    with pytest.raises(FrameError, match="not a JSON object"):
        decode_body(body)


# -- read_frame over an asyncio stream ---------------------------------------------------------


def read_all(data: bytes, eof: bool = True, pieces: int = 1) -> list[dict[str, Any] | None]:
    """Feed `data` (in `pieces` parts) to a StreamReader; read frames until None or an error."""

    async def main() -> list[dict[str, Any] | None]:
        reader = asyncio.StreamReader()
        step = max(1, len(data) // pieces)

        async def feed() -> None:
            for i in range(0, len(data), step):
                reader.feed_data(data[i : i + step])
                await asyncio.sleep(0)
            if eof:
                reader.feed_eof()

        feeder = asyncio.create_task(feed())
        got: list[dict[str, Any] | None] = []
        try:
            while True:
                frame = await asyncio.wait_for(read_frame(reader), timeout=2)
                got.append(frame)
                if frame is None:
                    return got
        finally:
            await feeder

    return asyncio.run(main())


def test_read_frame_reads_frames_then_none_at_a_clean_end() -> None:
    data = b"".join(encode(m) for m in MESSAGES)
    assert read_all(data) == [*MESSAGES, None]


def test_read_frame_reassembles_frames_fed_a_byte_at_a_time() -> None:
    data = b"".join(encode(m) for m in MESSAGES)
    assert read_all(data, pieces=len(data)) == [*MESSAGES, None]


def test_read_frame_on_an_empty_stream_is_none() -> None:
    assert read_all(b"") == [None]


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_read_frame_eof_inside_the_header_is_an_error(cut: int) -> None:
    with pytest.raises(FrameError, match="inside a frame header"):
        read_all(encode({"a": 1})[:cut])


@pytest.mark.parametrize("cut", [4, 5, 10])
def test_read_frame_eof_inside_the_body_is_an_error(cut: int) -> None:
    with pytest.raises(FrameError, match="inside a frame"):
        read_all(encode({"a": "hello"})[:cut])


def test_read_frame_after_a_good_frame_eof_inside_the_next_is_an_error() -> None:
    async def main() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(encode({"first": 1}) + encode({"second": 2})[:6])
        reader.feed_eof()
        assert await read_frame(reader) == {"first": 1}
        with pytest.raises(FrameError):
            await read_frame(reader)

    asyncio.run(main())


def test_read_frame_refuses_an_oversize_header_without_waiting_for_the_body() -> None:
    # No body follows and the stream stays open: refusing must not wait (or allocate) for it.
    with pytest.raises(FrameError, match="over the limit"):
        read_all(header(MAX_FRAME + 1), eof=False)


def test_read_frame_refuses_a_body_that_is_not_an_object() -> None:
    with pytest.raises(FrameError, match="not a JSON object"):
        read_all(header(2) + b"[]")


# -- recv_frame over a socket ----------------------------------------------------------------


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.settimeout(5)
    b.settimeout(5)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_recv_frame_over_a_socketpair(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    for m in MESSAGES:
        a.sendall(encode(m))
    assert [recv_frame(b) for _ in MESSAGES] == MESSAGES


def test_recv_frame_reassembles_a_large_frame_sent_in_pieces(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    message = message_of_body_size(3 * 1024 * 1024)
    frame = encode(message)

    def send() -> None:
        for i in range(0, len(frame), 7919):
            a.sendall(frame[i : i + 7919])

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert recv_frame(b) == message
    finally:
        sender.join()


@pytest.mark.parametrize("cut", [0, 2, 4, 9])
def test_recv_frame_connection_closed_is_an_error(
    pair: tuple[socket.socket, socket.socket], cut: int
) -> None:
    a, b = pair
    a.sendall(encode({"a": "hello"})[:cut])
    a.shutdown(socket.SHUT_WR)
    with pytest.raises(FrameError, match="connection closed"):
        recv_frame(b)


def test_recv_frame_refuses_an_oversize_header(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(header(2**32 - 1))  # no body: it must not try to read 4 GiB
    with pytest.raises(FrameError, match="over the limit"):
        recv_frame(b)


def test_recv_frame_refuses_non_json(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(header(3) + b"abc")
    with pytest.raises(FrameError, match="not UTF-8 JSON"):
        recv_frame(b)
