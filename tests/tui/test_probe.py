"""What the cockpit asks its terminal before Textual starts (`probe.py`), and what it draws
from the answers (`ansi.set_skin_tone_cells`): colours from COLORTERM and terminfo, and the
skin-tone probe over a real pseudo-terminal answered as a terminal would, or not at all."""

from __future__ import annotations

import os
import select
import termios
import threading
import time
from collections.abc import Iterator

import pytest
from rich.cells import cell_len

from orgtui.tui import probe
from orgtui.tui.ansi import decode, set_skin_tone_cells
from tests.tui.test_ansi import cells, text


@pytest.mark.parametrize(
    ("env", "system"),
    [
        ({"TERM": "xterm", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm-256color", "COLORTERM": "24bit"}, "truecolor"),
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "xterm-256color", "COLORTERM": "yes"}, "256"),
        ({"TERM": "xterm"}, "standard"),  # terminfo: 8 colours
        ({"TERM": "vt100"}, "standard"),  # terminfo: none
        ({"TERM": "no-such-terminal"}, "standard"),
        ({}, "standard"),
    ],
)
def test_colour_system_follows_colorterm_then_terminfo(env: dict[str, str], system: str) -> None:
    assert probe.color_system(env) == system


def test_terminfo_colours_are_read_with_tput() -> None:
    assert probe.terminfo_colors("xterm-256color") == 256
    assert probe.terminfo_colors("xterm") == 8
    assert probe.terminfo_colors("no-such-terminal") is None


class Terminal:
    """The far side of a real pseudo-terminal, answering a cursor position request with
    `reply` (None: never), as a terminal whose cursor stands there would."""

    def __init__(self, reply: bytes | None) -> None:
        self.master, self.slave = os.openpty()
        self.reply = reply
        self.seen = b""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        deadline = time.monotonic() + 2
        while b"\x1b[6n" not in self.seen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.05)[0]:
                self.seen += os.read(self.master, 1024)
        if self.reply is not None:
            os.write(self.master, self.reply)

    def output(self) -> bytes:
        """All the probe wrote to the terminal."""
        self._thread.join()
        while select.select([self.master], [], [], 0.05)[0]:
            self.seen += os.read(self.master, 1024)
        return self.seen

    def pending_input(self) -> bytes:
        """What the app would read from the terminal now."""
        attrs = termios.tcgetattr(self.slave)
        raw = termios.tcgetattr(self.slave)
        raw[3] &= ~termios.ICANON
        raw[6][termios.VMIN] = raw[6][termios.VTIME] = 0
        termios.tcsetattr(self.slave, termios.TCSANOW, raw)
        try:
            return os.read(self.slave, 1024) if select.select([self.slave], [], [], 0.1)[0] else b""
        finally:
            termios.tcsetattr(self.slave, termios.TCSANOW, attrs)

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for term in made:
        term.close()


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        (b"\x1b[12;3R", 2),  # the pair is one glyph: the cursor is 2 cells on
        (b"\x1b[12;5R", 4),  # the modifier is a 2-cell character of its own (xterm, tmux)
        (b"typed\x1b[40;5R", 4),  # a key typed at start comes first: read past, dropped
        (None, None),  # no answer
    ],
    ids=["one-glyph", "two-characters", "after-a-key", "no-answer"],
)
def test_tone_probe_reads_the_cursor_back(
    terminal: list[Terminal], reply: bytes | None, answer: int | None
) -> None:
    term = Terminal(reply)
    terminal.append(term)
    before = termios.tcgetattr(term.slave)
    started = time.monotonic()
    assert probe.tone_cells(term.slave, term.slave, timeout=0.3) == answer
    assert time.monotonic() - started < 0.6  # never waits past its timeout
    # It printed the pair at the line's start, asked for the cursor, and erased the line.
    assert term.output() == f"\r{probe.TONE_PAIR}\x1b[6n\r\x1b[K".encode()
    assert termios.tcgetattr(term.slave) == before  # the terminal's mode as it was
    assert term.pending_input() == b""  # nothing of the reply left for the app


def test_tone_probe_asks_nothing_of_what_is_not_a_terminal(tmp_path) -> None:
    with open(tmp_path / "out", "w+") as file:
        assert probe.tone_cells(file.fileno(), file.fileno()) is None
        assert file.read() == ""


@pytest.fixture
def tone_cells() -> Iterator[None]:
    yield
    set_skin_tone_cells(None)  # the default, for the tests that follow


@pytest.mark.parametrize(
    ("answer", "drawn"),
    [(2, "👍🏽  👍🏽   x"), (4, "👍  👍   x"), (None, "👍  👍   x")],
    ids=["one-glyph", "two-characters", "no-answer"],
)
def test_skin_tones_drawn_as_the_terminal_counts_them(
    tone_cells: None, answer: int | None, drawn: str
) -> None:
    # tmux's row: each pair in 4 cells, " x" after. The terminal, like Textual, must put the x
    # in column 9: where it draws the pair as one 2-cell glyph the pair is padded with 2
    # blanks; where it draws the modifier as 2 more cells (which Textual counts as none),
    # the modifier is left out.
    set_skin_tone_cells(answer)
    (strip,) = decode("\x1b[32m👍🏽👍🏽 x\x1b[0m", 12)
    assert text(strip).rstrip() == drawn
    assert cells(strip)[9][0] == "x"
    modifier_cells = 2 if answer == 4 else 0  # what this terminal adds to rich's count
    assert cell_len(drawn) + drawn.count("🏽") * modifier_cells == 10


def test_a_lone_modifier_is_never_drawn(tone_cells: None) -> None:
    # tmux draws a modifier that follows no emoji as a 2-cell character; Textual counts it as
    # none, and a terminal that joins pairs draws it 2 cells wide: left out, in 2 blanks.
    set_skin_tone_cells(2)
    (strip,) = decode("a🏽|", 6)
    assert text(strip) == "a  |  "
