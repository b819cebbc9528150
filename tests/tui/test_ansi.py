"""Tests for orgtui.tui.ansi: tmux `capture-pane -p -e -N` output decoded into Textual Strips,
with hand-written captures and captures taken from a real private tmux server."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from rich.cells import split_graphemes
from rich.color import Color
from rich.style import Style
from textual.strip import Strip

from orgtui.tui.ansi import decode, with_cursor


def cells(strip: Strip) -> list[tuple[str, Style | None]]:
    """(grapheme, style) for every cell of the strip; a wide grapheme's second cell is ''."""
    out: list[tuple[str, Style | None]] = []
    for segment in strip:
        for start, end, width in split_graphemes(segment.text)[0]:
            out.append((segment.text[start:end], segment.style))
            out.extend([("", segment.style)] * (width - 1))
    return out


def text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def style_at(strip: Strip, column: int) -> Style:
    """The style of a cell, None read as the null style so attributes can be asserted."""
    return cells(strip)[column][1] or Style.null()


def check_width(strips: list[Strip], width: int) -> None:
    for strip in strips:
        assert strip.cell_length == width
        assert len(cells(strip)) == width


def test_plain_rows_are_padded_with_unstyled_blanks() -> None:
    strips = decode("hello\nworld\n", 8)
    assert [text(s) for s in strips] == ["hello   ", "world   "]
    check_width(strips, 8)
    assert all(style is None for _, style in cells(strips[0]))


def test_long_row_is_cropped() -> None:
    (strip,) = decode("\x1b[31m0123456789abcdef\x1b[0m", 10)
    assert text(strip) == "0123456789"
    assert style_at(strip, 9).color == Color.from_ansi(1)
    check_width([strip], 10)


def test_crop_through_a_wide_character_keeps_the_width() -> None:
    (strip,) = decode("abc中文", 4)
    assert strip.cell_length == 4
    assert text(strip) == "abc "


def test_height_pads_with_blank_rows_and_drops_extra_ones() -> None:
    strips = decode("a\nb\n", 3, height=4)
    assert [text(s) for s in strips] == ["a  ", "b  ", "   ", "   "]
    check_width(strips, 3)
    assert [text(s) for s in decode("a\nb\nc\nd\n", 2, height=2)] == ["a ", "b "]
    assert [text(s) for s in decode("", 2, height=1)] == ["  "]
    assert decode("", 5) == []


def test_trailing_newline_does_not_add_a_row() -> None:
    assert len(decode("a\nb\n", 3)) == 2
    assert len(decode("a\nb", 3)) == 2
    assert len(decode("a\n\n", 3)) == 2


def test_colour_carries_over_the_newline() -> None:
    strips = decode("ab\x1b[32mcd\nef\x1b[0mgh\n", 4)
    assert style_at(strips[0], 1).color is None
    assert style_at(strips[0], 2).color == Color.from_ansi(2)
    assert style_at(strips[1], 0).color == Color.from_ansi(2)
    assert style_at(strips[1], 1).color == Color.from_ansi(2)
    assert cells(strips[1])[2][1] is None


def test_colours_set_past_the_cut_carry_to_the_next_row() -> None:
    rows = decode("abcdef\x1b[1mX\x1b[31mY\nnext\nlong\x1b[0mtail\x1b[7mZ\x1b[0m!\nlast", 4)
    assert [r.text for r in rows] == ["abcd", "next", "long", "last"]
    (_, style), *_ = cells(rows[1])
    assert style is not None and style.bold and style.color == Color.parse("color(1)")
    # A reset past the cut ends it all: the row after is plain.
    assert all(style is None for _, style in cells(rows[3]))


def test_rows_from_the_cache_are_the_same_rows() -> None:
    cache: dict = {}
    first = decode("\x1b[32mgreen\nplain\x1b[0m", 10, cache=cache)
    again = decode("\x1b[32mgreen\nplain\x1b[0m", 10, cache=cache)
    assert again == first and again[0] is first[0] and len(cache) == 2
    shifted = decode("plain\x1b[0m", 10, cache=cache)  # starts without the green
    assert shifted[0] != first[1] and len(cache) == 1


def test_truecolor_foreground_and_background() -> None:
    (strip,) = decode("\x1b[38;2;255;0;10m\x1b[48;2;1;2;3mx\x1b[39my\x1b[49mz", 3)
    assert style_at(strip, 0).color == Color.from_rgb(255, 0, 10)
    assert style_at(strip, 0).bgcolor == Color.from_rgb(1, 2, 3)
    assert style_at(strip, 1).color is None
    assert style_at(strip, 1).bgcolor == Color.from_rgb(1, 2, 3)
    assert cells(strip)[2][1] is None


def test_colon_forms_of_truecolor_and_underline() -> None:
    (strip,) = decode("\x1b[38:2::9:8:7ma\x1b[48:2:1:2:3mb\x1b[4:3mc\x1b[4:0md\x1b[0m", 4)
    assert style_at(strip, 0).color == Color.from_rgb(9, 8, 7)
    assert style_at(strip, 1).bgcolor == Color.from_rgb(1, 2, 3)
    assert style_at(strip, 2).underline
    assert not style_at(strip, 3).underline


def test_256_and_bright_colours() -> None:
    (strip,) = decode("\x1b[38;5;196ma\x1b[48;5;17mb\x1b[0m\x1b[92mc\x1b[103md\x1b[35;44me", 5)
    assert style_at(strip, 0).color == Color.from_ansi(196)
    assert style_at(strip, 1).bgcolor == Color.from_ansi(17)
    assert style_at(strip, 2).color == Color.from_ansi(10)
    assert style_at(strip, 3).bgcolor == Color.from_ansi(11)
    assert style_at(strip, 4).color == Color.from_ansi(5)
    assert style_at(strip, 4).bgcolor == Color.from_ansi(4)


@pytest.mark.parametrize(
    ("on", "off", "attribute"),
    [
        ("1", "22", "bold"),
        ("2", "22", "dim"),
        ("3", "23", "italic"),
        ("4", "24", "underline"),
        ("5", "25", "blink"),
        ("7", "27", "reverse"),
        ("9", "29", "strike"),
    ],
)
def test_attributes_and_their_resets(on: str, off: str, attribute: str) -> None:
    (strip,) = decode(f"a\x1b[{on}mb\x1b[{off}mc\x1b[{on}md\x1b[me\x1b[{on}mf\x1b[0mg", 7)
    flags = [bool(getattr(style_at(strip, n), attribute)) for n in range(7)]
    assert flags == [False, True, False, True, False, True, False]


def test_several_parameters_in_one_sequence() -> None:
    (strip,) = decode("\x1b[1;3;4;38;5;200;48;2;0;0;255mx\x1b[22;24;39my\x1b[0;9mz", 3)
    x, y, z = (style_at(strip, n) for n in range(3))
    assert x.bold and x.italic and x.underline
    assert x.color == Color.from_ansi(200) and x.bgcolor == Color.from_rgb(0, 0, 255)
    assert not y.bold and y.italic and not y.underline
    assert y.color is None and y.bgcolor == Color.from_rgb(0, 0, 255)
    assert z.strike and not z.italic and z.bgcolor is None


def test_adjacent_runs_of_one_style_are_merged() -> None:
    (strip,) = decode("\x1b[31mab\x1b[31mcd\x1b[1m\x1b[22mef\x1b[0m", 6)
    assert [segment.text for segment in strip] == ["abcdef"]


def test_unknown_escape_sequences_and_controls_are_removed() -> None:
    capture = "a\x1b[2Jb\x1b]0;title\x07c\x1b(Bd\x1b[?25le\x1bPq#0\x1b\\f\x07g\rh\x1b"
    (strip,) = decode(capture, 10)
    assert text(strip) == "abcdefgh  "
    check_width([strip], 10)


def test_tabs_expand_to_the_next_multiple_of_8() -> None:
    (strip,) = decode("ab\tc\x1b[31md\te\x1b[0m", 20)
    assert text(strip) == "ab      cd      e   "
    assert style_at(strip, 16).color == Color.from_ansi(1)
    (wide,) = decode("中\tx", 10)
    assert cells(wide)[8][0] == "x"


@pytest.mark.parametrize(
    "row",
    ["😀|x", "中|x", "１|x", "❤️ |x", "👍🏽|x"],
    ids=["emoji", "cjk", "fullwidth", "vs16", "tone"],
)
def test_wide_characters_keep_later_text_in_its_column(row: str) -> None:
    # Where tmux 3.3a puts the "|": after 2 cells (emoji, CJK, fullwidth), after "❤" (1 cell,
    # VS16 ignored) and a space, after 4 cells for a skin-tone emoji (two wide cells).
    column = {"😀|x": 2, "中|x": 2, "１|x": 2, "❤️ |x": 2, "👍🏽|x": 4}[row]
    (strip,) = decode(f"\x1b[32m{row}\x1b[0m", 8)
    check_width([strip], 8)
    assert cells(strip)[column] == ("|", Style(color=Color.from_ansi(2)))
    assert cells(strip)[column + 1][0] == "x"


def test_cjk_row_fills_exactly_the_width() -> None:
    strips = decode("中文字符串\n日本語のテキストです\n", 9)
    check_width(strips, 9)
    assert text(strips[0]) == "中文字符 "
    assert text(strips[1]) == "日本語の "


def test_with_cursor_on_plain_styled_and_wide_cells() -> None:
    plain, styled, wide = decode("abc\n\x1b[31;7mxyz\x1b[0m\nA中B\n", 4)
    shown = with_cursor(plain, 1)
    assert cells(shown)[1] == ("b", Style(reverse=True))
    assert cells(shown)[0][1] is None and cells(shown)[2][1] is None
    assert text(shown) == "abc " and shown.cell_length == 4
    blank = cells(with_cursor(plain, 3))[3]
    assert blank == (" ", Style(reverse=True))
    # Reverse video of a reversed cell shows it the normal way round.
    cursor = style_at(with_cursor(styled, 2), 2)
    assert cursor.color == Color.from_ansi(1) and cursor.reverse is False
    assert style_at(with_cursor(styled, 2), 1).reverse
    # Either column of a wide character puts the cursor on the whole character.
    for x in (1, 2):
        shown = with_cursor(wide, x)
        assert cells(shown)[1] == ("中", Style(reverse=True))
        assert shown.cell_length == 4 and text(shown) == "A中B"


def test_with_cursor_outside_the_strip_changes_nothing() -> None:
    (strip,) = decode("abc", 3)
    assert with_cursor(strip, -1) is strip
    assert with_cursor(strip, 3) is strip


# A real tmux server: what tmux 3.3a writes in a capture, decoded.

SCRIPT = r"""printf '\033[31mred\033[1mbold\n'
printf 'carried\033[0m plain\n'
printf '\033[38;2;255;128;0mtrue\033[48;5;17mbg\033[0m \033[4:3mcurly\033[0m\033[9ms\033[7mr\033[0m\n'
printf '😀|a  中文|b  ❤️|c\n'
printf '\033[92;103mbright\033[0m\tT\n'
printf 'END\n'
"""


def run_in_tmux(script: str, width: int, height: int) -> str:
    """The `capture-pane -p -e -N` of a width x height pane of a private tmux server that ran
    `script` (which prints END when done); the server is killed before returning."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    folder = Path(tempfile.mkdtemp(prefix="ansi", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env["LANG"] = "C.UTF-8"
    (folder / "script.sh").write_text(script + "exec sleep 60\n", encoding="utf-8")
    tmux = ["tmux", "-u", "-S", str(folder / "s"), "-f", "/dev/null"]
    size = ["-x", str(width), "-y", str(height)]
    capture = ""
    try:
        subprocess.run(
            [*tmux, "new-session", "-d", *size, f"sh {folder}/script.sh"], env=env, check=True
        )
        deadline = time.monotonic() + 10
        while "END" not in capture and time.monotonic() < deadline:
            time.sleep(0.05)
            capture = subprocess.run(
                [*tmux, "capture-pane", "-p", "-e", "-N", "-t", "0"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    assert "END" in capture, capture
    return capture


@pytest.fixture(scope="module")
def tmux_capture() -> str:
    return run_in_tmux(SCRIPT, 40, 10)


def test_real_tmux_capture_round_trip(tmux_capture: str) -> None:
    # tmux does not repeat the red at the start of row 1: the state must carry over.
    assert "carried" in tmux_capture.split("\n")[1]
    assert not tmux_capture.split("\n")[1].startswith("\x1b")
    strips = decode(tmux_capture, 40, 10)
    assert len(strips) == 10
    check_width(strips, 40)
    rows = [text(s).rstrip() for s in strips]
    assert rows[:6] == ["redbold", "carried plain", "truebg curlysr", "😀|a  中文|b  ❤|c",
                        "bright  T", "END"]  # fmt: skip
    red = Color.from_ansi(1)
    assert style_at(strips[0], 0).color == red and not style_at(strips[0], 0).bold
    assert style_at(strips[0], 3).color == red and style_at(strips[0], 3).bold
    assert style_at(strips[1], 0).color == red and style_at(strips[1], 6).bold
    assert cells(strips[1])[7][1] is None  # " plain" after the reset
    row = strips[2]
    assert style_at(row, 0).color == Color.from_rgb(255, 128, 0)
    assert style_at(row, 4).bgcolor == Color.from_ansi(17)
    assert style_at(row, 4).color == Color.from_rgb(255, 128, 0)
    assert cells(row)[6][1] is None
    assert style_at(row, 7).underline and not style_at(row, 12).underline
    assert style_at(row, 12).strike and style_at(row, 13).strike and style_at(row, 13).reverse
    # Wide characters: no padding cell in the capture, and "|" lands where tmux put it.
    row = strips[3]
    assert [cells(row)[n][0] for n in (2, 10, 15)] == ["|", "|", "|"]
    assert cells(row)[0][0] == "😀" and cells(row)[6][0] == "中" and cells(row)[14][0] == "❤"
    bright = strips[4]  # tmux itself turned the tab into spaces
    assert style_at(bright, 0).color == Color.from_ansi(10)
    assert style_at(bright, 0).bgcolor == Color.from_ansi(11)
    assert cells(bright)[8] == ("T", None)


def test_real_tmux_capture_with_cursor(tmux_capture: str) -> None:
    strips = decode(tmux_capture, 40, 10)
    shown = with_cursor(strips[3], 7)  # the second cell of 中
    assert cells(shown)[6] == ("中", Style(reverse=True))
    assert shown.cell_length == 40


def test_real_tmux_wide_characters_match_tmux_columns() -> None:
    # Each row writes wide characters, then moves to column 20 (CHA) and writes "#": tmux puts
    # the "#" in its own grid's last column, so the decoded row must have it there too.
    rows = ["😀a", "中文字", "❤️ ✔️ x", "👍🏽y", "１２", "\033[44m🦩\033[0mz"]
    script = "".join(f"printf '{row}\\033[20G#\\n'\n" for row in rows) + "printf END\n"
    strips = decode(run_in_tmux(script, 20, 8), 20, 8)
    check_width(strips, 20)
    for strip in strips[: len(rows)]:
        assert cells(strip)[19][0] == "#", text(strip)
    assert [cells(strips[n])[column][0] for n, column in ((0, 2), (3, 4), (5, 2))] == [
        "a",
        "y",
        "z",
    ]
    assert style_at(strips[5], 0).bgcolor == Color.from_ansi(4)
