"""Output applied to a pane's rows (`vt.py`): the plain echo cases are drawn as a terminal
would, everything else is refused and leaves the screen as it was."""

from __future__ import annotations

import pytest

from orgtui.tui.ansi import decode
from orgtui.tui.vt import Screen, apply, unescape


def screen(capture: str = "$ ls\n$ ", cursor: tuple[int, int] = (2, 1), **kw) -> Screen:
    width = kw.pop("width", 20)
    return Screen(decode(capture, width, 3), width, kw.pop("offset", (0, 0)), cursor,
                  kw.pop("columns", 80))  # fmt: skip


def texts(s: Screen) -> list[str]:
    return [row.text.rstrip() for row in s.rows]


def test_text_is_written_at_the_cursor_which_moves_on() -> None:
    s = screen()
    assert apply(s, b"echo") == {1}
    assert texts(s) == ["$ ls", "$ echo", ""] and s.cursor == (6, 1)
    assert all(row.cell_length == 20 for row in s.rows)


def test_carriage_return_erase_and_backspace() -> None:
    s = screen("$ ls\n$ abc", (5, 1))
    assert apply(s, unescape(b"\\015\\033[K<k1>")) == {1}
    assert texts(s) == ["$ ls", "<k1>", ""] and s.cursor == (4, 1)
    assert apply(s, b"\x08\x08XY") == {1}
    assert texts(s) == ["$ ls", "<kXY", ""] and s.cursor == (4, 1)


def test_colours_carry_to_the_text_after_them() -> None:
    s = screen()
    apply(s, b"\x1b[1;31mred\x1b[0m plain")
    red = [seg for seg in s.rows[1] if seg.text == "red"][0]
    plain = [seg for seg in s.rows[1] if seg.text.startswith(" plain")][0]
    assert red.style is not None and red.style.bold and red.style.color.number == 1
    assert plain.style is None
    assert s.state == (-1, -1, 0)


def test_a_cropped_view_takes_the_offset_into_account() -> None:
    s = screen("row 5\n$ ", (2, 6), offset=(0, 5))
    assert apply(s, b"x") == {1} and texts(s)[1] == "$ x"


@pytest.mark.parametrize(
    "output",
    [
        b"line\r\n",  # a new line (and maybe a scroll)
        b"\x1b[2J",  # other escape sequences
        b"\x1b[?25l",
        b"\x1b[10;1H",
        "é".encode(),  # not ASCII
        b"\xc3",  # half a character
        b"x" * 78,  # would reach the last column and wrap
        b"\x07",  # a bell: other control characters
    ],
)
def test_anything_else_is_refused_and_changes_nothing(output: bytes) -> None:
    s = screen()
    before = (list(s.rows), s.cursor, s.state)
    assert apply(s, output) is None
    assert (s.rows, s.cursor, s.state) == before


def test_text_outside_the_view_is_refused() -> None:
    assert apply(screen(cursor=(2, 9)), b"x") is None  # below the 3 rows shown
    assert apply(screen(width=5, columns=80), b"abcdef") is None  # past the view's edge


def test_unescape() -> None:
    assert unescape(b"a\\015\\012b\\134c") == b"a\r\nb\\c"
    assert unescape(b"plain") == b"plain"
