"""`ControlClient.send_now`: a key written to tmux at once, not on a later turn of the loop
(the cockpit's loop may be busy drawing a frame then), its reply in order with the replies to
commands sent before and after it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from orgtui.tmux.control import ControlClient
from tests.helpers import wait_for
from tests.integration.test_control import capture, server  # noqa: F401  (the fixture)


def test_send_now_reaches_the_pane_while_the_loop_is_busy(server: Path) -> None:  # noqa: F811
    async def main() -> None:
        client = await ControlClient.attach(server, "w")
        try:
            pane = (await client.command("display-message", "-p", "#{pane_id}"))[0]
            before = asyncio.ensure_future(client.command("display-message", "-p", "before"))
            await asyncio.sleep(0)  # (its line is written)
            keys = [client.send_now("send-keys", "-t", pane, "-l", c) for c in "abcdef"]
            # The loop does not turn from here until the pane shows the keys: they were
            # written to tmux when sent, in their order.
            wait_for(lambda: "abcdef" in capture(server, pane), 5, what="the keys, loop busy")
            after = await client.command("display-message", "-p", "after")
            assert await before == ["before"]
            assert [await k for k in keys] == [[]] * 6
            assert after == ["after"]
        finally:
            await client.close()

    asyncio.run(main())
