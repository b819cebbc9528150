"""The asyncio control-mode client on a real tmux server: replies matched to their commands,
commands sent together, a failing one not shifting the replies after it, a pane's output
streamed, and in the same order as the replies (what the cockpit's front pane relies on)."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.tmux.control import ControlClient, Reply
from orgtui.tmux.server import TmuxError
from orgtui.tui.vt import unescape
from tests.helpers import wait_for_async


@pytest.fixture
def server() -> Iterator[Path]:
    sock = Path(tempfile.mkdtemp(prefix="otc", dir="/tmp")) / "t.sock"
    subprocess.run(
        ["tmux", "-S", str(sock), "-f", "/dev/null", "new-session", "-d", "-s", "w",
         "-x", "80", "-y", "24", "cat"],
        check=True,
    )  # fmt: skip
    yield sock
    subprocess.run(["tmux", "-S", str(sock), "kill-server"], capture_output=True)


def capture(sock: Path, pane: str) -> str:
    """The pane's screen, read by a tmux command of its own (not through a control client)."""
    return subprocess.run(["tmux", "-S", str(sock), "capture-pane", "-p", "-t", pane],
                          capture_output=True, text=True).stdout  # fmt: skip


def test_commands_and_their_replies(server: Path) -> None:
    async def main() -> None:
        client = await ControlClient.attach(server, "w")
        try:
            assert await client.command("display-message", "-p", "one") == ["one"]
            a, b = await client.commands(
                ("display-message", "-p", "two"), ("display-message", "-p", "#{session_name}")
            )
            assert (a, b) == (["two"], ["w"])
            # The first fails and tmux skips the rest of the line: both say so, and the
            # next command still gets its own reply.
            with pytest.raises(TmuxError, match="can't find pane"):
                await client.commands(
                    ("capture-pane", "-p", "-t", "%999"), ("display-message", "-p", "x")
                )
            assert await client.command("display-message", "-p", "after") == ["after"]
            with pytest.raises(TmuxError):
                await client.command("no-such-command")
        finally:
            await client.close()
        assert client.closed.is_set()
        with pytest.raises(TmuxError, match="gone"):
            await client.command("display-message", "-p", "late")

    asyncio.run(main())


def test_output_streams_in_order_with_replies(server: Path) -> None:
    async def main() -> None:
        seen: list[bytes] = []
        client = await ControlClient.attach(
            server, "w", flags="ignore-size", on_output=lambda pane, data: seen.append(data)
        )
        try:
            pane = (await client.command("display-message", "-p", "#{pane_id}"))[0]
            await client.command("send-keys", "-t", pane, "-l", "hello\\world")
            await wait_for_async(
                lambda: b"hello" in unescape(b"".join(seen)),
                asyncio.sleep,
                interval=0.01,
                what="the pane's output",
            )
            # tmux escapes the backslash; unescaped it is what the pane wrote.
            assert b"hello\\world" in unescape(b"".join(seen))
            # A capture's reply holds the output read before it and not after.
            reply = await client.command("capture-pane", "-p", "-t", pane)
            assert isinstance(reply, Reply) and reply.mark == client.outputs
            assert "hello\\world" in reply[0]
        finally:
            await client.close()

    asyncio.run(main())


def test_no_output_client_sees_no_output(server: Path) -> None:
    async def main() -> None:
        seen: list[bytes] = []
        client = await ControlClient.attach(
            server, "w", on_output=lambda pane, data: seen.append(data)
        )
        try:
            pane = (await client.command("display-message", "-p", "#{pane_id}"))[0]
            await client.command("send-keys", "-t", pane, "-l", "quiet")
            # tmux hands a pane's output to the clients that take it before it draws it, and
            # a client's reply comes after what was sent to it before: once the pane shows the
            # text, this client's next reply comes after the output it would have had.
            await wait_for_async(lambda: "quiet" in capture(server, pane), asyncio.sleep,
                                 what="the text drawn in the pane")  # fmt: skip
            assert "quiet" in (await client.command("capture-pane", "-p", "-t", pane))[0]
            assert seen == [] and client.outputs == 0
        finally:
            await client.close()

    asyncio.run(main())


def test_a_capture_holds_exactly_the_output_before_its_reply(server: Path) -> None:
    """While a pane prints fast, each capture's last row is the last row of the output that
    came before its reply, never of output after it."""

    async def main() -> None:
        chunks: list[bytes] = []
        client = await ControlClient.attach(
            server, "w", flags="ignore-size", on_output=lambda pane, data: chunks.append(data)
        )
        try:
            pane = (
                await client.command(
                    "new-window",
                    "-P",
                    "-F",
                    "#{pane_id}",
                    "-t",
                    "w:",
                    "sh",
                    "-c",
                    "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); echo L$i; done; sleep 60",
                )  # fmt: skip
            )[0]
            checked = 0
            while checked < 30:
                reply = await client.command("capture-pane", "-p", "-t", pane)
                before = unescape(b"".join(chunks[: reply.mark])).decode()
                rows = [r for r in reply if r.strip()]
                lines = [ln for ln in before.replace("\r", "").split("\n") if ln]
                if rows and lines and rows[-1].startswith("L"):
                    assert rows[-1] == lines[-1], (rows[-1], lines[-1])
                    checked += 1
                if rows and rows[-1] == "L20000":
                    break
        finally:
            await client.close()
        assert checked >= 5

    asyncio.run(main())
