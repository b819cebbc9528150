"""Safe message delivery: when a pane counts as ready, and `deliver`/`wait_ready` against an
in-memory pane (pasting appends to its screen) that records every call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from orgtui.agents import delivery
from orgtui.agents.delivery import DeliveryError, deliver, readiness, wait_ready

SETTLE = 0.05

# -- readiness -------------------------------------------------------------------------------


def test_a_dead_pane_is_not_ready() -> None:
    r = readiness(["$ "], dead=True, quiet=100.0, ready=None)
    assert (r.ready, r.reason) == (False, "its program has exited")


def test_a_pane_still_printing_is_not_ready() -> None:
    r = readiness(["$ "], dead=False, quiet=0.4, ready=None, settle=1.0)
    assert not r.ready
    assert "still printing" in r.reason and "0.4s of 1s" in r.reason


def test_a_pane_quiet_for_exactly_settle_is_ready() -> None:
    assert readiness(["$ "], dead=False, quiet=1.0, ready=None, settle=1.0).ready


@pytest.mark.parametrize("screen", [[], [""], ["", "   ", "\t"]])
def test_an_empty_screen_is_not_ready(screen: list[str]) -> None:
    r = readiness(screen, dead=False, quiet=5.0, ready=None)
    assert (r.ready, r.reason) == (False, "its screen is still empty")


def test_any_text_is_ready_without_a_ready_pattern() -> None:
    r = readiness(["loading..."], dead=False, quiet=5.0, ready=None)
    assert (r.ready, r.reason) == (True, "ready")


def test_ready_pattern_on_the_last_rows_is_ready() -> None:
    screen = ["Welcome", "some output", "> ", "", "", ""]
    assert readiness(screen, dead=False, quiet=5.0, ready=r"^> ").ready


def test_ready_pattern_counts_rows_with_text_only() -> None:
    """A prompt at the top of a mostly blank screen is still on its last (non-blank) rows."""
    screen = ["> ", *[""] * 40]
    assert readiness(screen, dead=False, quiet=5.0, ready=r"^> ").ready


def test_ready_pattern_absent_is_not_ready() -> None:
    r = readiness(["Loading model..."], dead=False, quiet=5.0, ready=r"^> ")
    assert not r.ready
    assert r.reason == "its ready pattern '^> ' is not on the screen"


def test_ready_pattern_scrolled_above_the_last_rows_is_not_ready() -> None:
    screen = ["> ", *(f"line {i}" for i in range(delivery.READY_LINES))]
    assert not readiness(screen, dead=False, quiet=5.0, ready=r"^> ").ready
    screen = ["> ", *(f"line {i}" for i in range(delivery.READY_LINES - 1))]
    assert readiness(screen, dead=False, quiet=5.0, ready=r"^> ").ready


def test_ready_pattern_anchors_match_at_each_rows_start_and_end() -> None:
    screen = ["user@host:~$ ", "(a status line)"]
    assert readiness(screen, dead=False, quiet=5.0, ready=r"\$ $").ready
    assert not readiness(screen, dead=False, quiet=5.0, ready=r"\A\$").ready


def test_a_catastrophic_ready_pattern_is_decided_at_once() -> None:
    # Python's re backtracks exponentially here: 28 "a"s take it seconds, 40 more than a day,
    # all of it on orgd's event loop. RE2 takes time linear in the screen.
    for row in ("a" * 28 + "!", "a" * 200_000 + "!"):
        start = time.monotonic()
        r = readiness(["$ ", row], dead=False, quiet=5.0, ready="^(a+)+$")
        assert time.monotonic() - start < 2.0
        assert not r.ready
    assert readiness(["a" * 200_000], dead=False, quiet=5.0, ready="^(a+)+$").ready


def test_a_screen_with_text_that_is_not_utf8_is_still_checked() -> None:
    # A lone surrogate (bytes decoded with surrogateescape) has no UTF-8 form for RE2.
    screen = ["caf\udce9", "> "]
    assert readiness(screen, dead=False, quiet=5.0, ready=r"^> ").ready
    assert readiness(screen, dead=False, quiet=5.0, ready=r"^caf.$").ready


def test_dead_wins_over_every_other_reason() -> None:
    r = readiness([], dead=True, quiet=0.0, ready="x")
    assert r.reason == "its program has exited"


# -- a fake pane -------------------------------------------------------------------------------


class FakePane:
    """A pane's screen in memory. `paste` appends the text to the last row, or, with
    `echo=False`, never shows it. `script(n)`, when given, rewrites the screen before the n-th
    capture (counting from 0)."""

    def __init__(
        self,
        screen: list[str],
        dead: bool = False,
        activity: float = 0.0,
        echo: bool = True,
        script: Callable[[int, list[str]], list[str]] | None = None,
    ) -> None:
        self.screen = list(screen)
        self.dead = dead
        self.activity = activity
        self.echo = echo
        self.script = script
        self.calls: list[tuple] = []
        self.captures = 0

    async def capture(self) -> list[str]:
        if self.script:
            self.screen = self.script(self.captures, self.screen)
        self.captures += 1
        self.calls.append(("capture", list(self.screen)))
        return list(self.screen)

    async def state(self) -> tuple[bool, float]:
        self.calls.append(("state",))
        return self.dead, self.activity

    async def paste(self, text: str) -> None:
        self.calls.append(("paste", text))
        if self.echo:
            self.screen[-1] += text

    async def enter(self) -> None:
        self.calls.append(("enter",))

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def pasted(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "paste"]


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(delivery, "ECHO_TIMEOUT", 0.3)


def run_deliver(pane: FakePane, text: str, ready: str | None = None, timeout: float = 2.0):
    return asyncio.run(deliver(pane, text, ready, timeout, settle=SETTLE))


# -- deliver ---------------------------------------------------------------------------------


def test_deliver_pastes_then_presses_enter_once() -> None:
    pane = FakePane(["$ "])
    waited = run_deliver(pane, "hello world")
    assert pane.pasted() == ["hello world"]
    assert pane.screen == ["$ hello world"]
    assert pane.names().count("enter") == 1
    assert pane.names()[-1] == "enter"
    assert 0.0 <= waited < 1.0


def test_deliver_presses_enter_only_after_the_screen_shows_the_paste() -> None:
    shown_after = 5  # the paste shows on the 5th capture after it

    pane = FakePane(["$ "], echo=False)
    pasted_at: list[int] = []

    async def paste(text: str) -> None:
        pane.calls.append(("paste", text))
        pasted_at.append(pane.captures)

    def script(n: int, screen: list[str]) -> list[str]:
        if pasted_at and n >= pasted_at[0] + shown_after - 1:
            return ["$ hi there"]
        return screen

    pane.paste = paste  # type: ignore[method-assign]
    pane.script = script
    run_deliver(pane, "hi there")
    i_paste, i_enter = pane.names().index("paste"), pane.names().index("enter")
    captures_between = [c for c in pane.calls[i_paste:i_enter] if c[0] == "capture"]
    assert len(captures_between) == shown_after
    # Enter came right after the first capture that showed the text, never before.
    assert pane.calls[i_enter - 1] == ("capture", ["$ hi there"])
    assert all(c[1] == ["$ "] for c in captures_between[:-1])


def test_deliver_cleans_control_characters_before_pasting() -> None:
    pane = FakePane(["$ "])
    run_deliver(pane, "run\x1b[201~\x03 this\r\nand\x1b[A\x07 that\tnow\x9b")
    assert pane.pasted() == ["run[201~ this\nand[A that\tnow"]
    text = pane.pasted()[0]
    assert "\x1b" not in text and all(c in "\n\t" or c >= " " for c in text)


def test_deliver_strips_leading_and_trailing_newlines() -> None:
    pane = FakePane(["$ "])
    run_deliver(pane, "\n\nfirst\nsecond\n\n")
    assert pane.pasted() == ["first\nsecond"]


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "\x1b\x07\x03", "\x1b\r\n"])
def test_deliver_refuses_an_empty_message_and_touches_nothing(text: str) -> None:
    pane = FakePane(["$ "])
    with pytest.raises(DeliveryError, match="empty"):
        run_deliver(pane, text)
    assert pane.calls == []


def test_deliver_waits_until_the_pane_becomes_ready() -> None:
    # Blank for a while, then a prompt appears.
    pane = FakePane([""], script=lambda n, s: ["> "] if n == 4 else s)
    run_deliver(pane, "go", ready=r"^> ")
    assert pane.pasted() == ["go"]
    first_paste = pane.names().index("paste")
    # No paste before the screen showed the prompt.
    assert [c for c in pane.calls[:first_paste] if c[0] == "capture"][0][1] == [""]
    assert pane.calls[first_paste - 1] == ("capture", ["> "])


def test_deliver_never_pastes_into_a_screen_that_keeps_changing() -> None:
    pane = FakePane(["> "], script=lambda n, s: ["> ", f"tick {n}"])
    with pytest.raises(DeliveryError) as e:
        asyncio.run(deliver(pane, "hi", None, 0.3, settle=SETTLE))
    assert "not ready for input after 0.3s" in str(e.value)
    assert "its screen changed while checking" in str(e.value)
    assert "paste" not in pane.names() and "enter" not in pane.names()


def test_deliver_times_out_on_a_dead_pane_naming_the_reason() -> None:
    pane = FakePane(["$ "], dead=True)
    start = time.monotonic()
    with pytest.raises(DeliveryError) as e:
        asyncio.run(deliver(pane, "hi", None, 0.2, settle=SETTLE))
    assert str(e.value) == "not ready for input after 0.2s: its program has exited"
    assert 0.2 <= time.monotonic() - start < 1.0
    assert "paste" not in pane.names()


def test_deliver_times_out_without_the_ready_pattern() -> None:
    pane = FakePane(["Loading..."])
    with pytest.raises(DeliveryError, match=r"its ready pattern '\^> ' is not on the screen"):
        asyncio.run(deliver(pane, "hi", r"^> ", 0.2, settle=SETTLE))
    assert "paste" not in pane.names()


def test_deliver_times_out_while_the_pane_keeps_printing() -> None:
    pane = FakePane(["$ "], activity=time.time() + 60)  # its last output is "now" throughout
    with pytest.raises(DeliveryError, match="still printing"):
        asyncio.run(deliver(pane, "hi", None, 0.2, settle=0.5))
    assert "paste" not in pane.names()


@pytest.mark.parametrize("since", [0.0, -60.0], ids=["this-second", "clock-ahead"])
def test_a_busy_pane_is_never_quiet_for_negative_seconds(since: float) -> None:
    # tmux counts activity in whole seconds: output this second (or a clock that reads ahead)
    # is quiet for no time at all yet, not for a negative one.
    pane = FakePane(["$ "], activity=time.time() - since)
    with pytest.raises(DeliveryError) as e:
        asyncio.run(deliver(pane, "hi", None, 0.2, settle=1.0))
    assert "it is still printing (quiet for 0.0s of 1s)" in str(e.value)


def test_recent_output_delays_delivery_until_settled() -> None:
    # Activity has one-second resolution: output "this second" means quiet from its end.
    pane = FakePane(["$ "], activity=time.time() - 1.0)
    start = time.monotonic()
    asyncio.run(deliver(pane, "hi", None, 2.0, settle=0.2))
    assert time.monotonic() - start >= 0.15
    assert pane.pasted() == ["hi"]


def test_deliver_raises_when_the_paste_never_shows_and_does_not_submit() -> None:
    pane = FakePane(["$ "], echo=False)
    start = time.monotonic()
    with pytest.raises(DeliveryError, match="never appeared on the screen within 0.3s"):
        run_deliver(pane, "hello")
    assert 0.3 <= time.monotonic() - start < 1.5
    assert pane.pasted() == ["hello"]
    assert "enter" not in pane.names()


def test_wait_ready_returns_the_screen() -> None:
    pane = FakePane(["x", "> "])
    screen = asyncio.run(wait_ready(pane, r"^> ", 1.0, settle=SETTLE))
    assert screen == ["x", "> "]
    assert "paste" not in pane.names() and "enter" not in pane.names()


def test_wait_ready_checks_the_screen_twice_before_answering() -> None:
    pane = FakePane(["> "])
    asyncio.run(wait_ready(pane, None, 1.0, settle=SETTLE))
    assert pane.names().count("capture") >= 2
