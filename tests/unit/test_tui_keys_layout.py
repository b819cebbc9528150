"""Key translation for takeover and the grid's shape (pure functions of the cockpit)."""

from __future__ import annotations

import pytest

from orgtui.tui.keys import escape_chord, tmux_keys
from orgtui.tui.layout import crop_window, grid_shape


@pytest.mark.parametrize(
    "key, character, expected",
    [
        ("a", "a", ["-l", "--", "a"]),
        ("A", "A", ["-l", "--", "A"]),
        ("semicolon", ";", ["-l", "--", ";"]),
        ("ctrl+c", "\x03", ["C-c"]),
        ("ctrl+q", "\x11", ["C-q"]),
        ("ctrl+p", "\x10", ["C-p"]),
        ("escape", "\x1b", ["Escape"]),
        ("tab", "\t", ["Tab"]),
        ("shift+tab", None, ["BTab"]),
        ("alt+x", None, ["M-x"]),
        ("f5", None, ["F5"]),
        ("up", None, ["Up"]),
        ("ctrl+up", None, ["C-Up"]),
        ("shift+up", None, ["S-Up"]),
        ("home", None, ["Home"]),
        ("end", None, ["End"]),
        ("pageup", None, ["PPage"]),
        ("pagedown", None, ["NPage"]),
        ("backspace", "\x7f", ["BSpace"]),
        ("delete", None, ["DC"]),
        ("enter", "\r", ["Enter"]),
        ("space", " ", ["-l", "--", " "]),
        ("ctrl+right_square_bracket", None, ["C-]"]),
        ("é", "é", ["-l", "--", "é"]),
    ],
)
def test_tmux_keys(key: str, character: str | None, expected: list[str]) -> None:
    assert tmux_keys(key, character) == expected


@pytest.mark.parametrize(
    "count, size, shape",
    [
        (1, (160, 48), (1, 1)),
        (2, (160, 48), (2, 1)),
        (3, (160, 48), (2, 2)),
        (4, (160, 48), (2, 2)),
        (6, (160, 48), (3, 2)),
        (8, (160, 48), (4, 2)),
        (9, (160, 48), (3, 3)),
        (8, (80, 24), (4, 2)),
        (8, (40, 12), (2, 2)),  # 4 per page fit: the rest go on further pages
    ],
)
def test_grid_shape(count: int, size: tuple[int, int], shape: tuple[int, int]) -> None:
    assert grid_shape(count, *size) == shape


def test_crop_shows_what_matters_and_keeps_the_cursor() -> None:
    # A full-screen program: its bottom rows.
    assert crop_window((80, 24), (40, 10), (5, 23), last_row=23) == (0, 14)
    # A shell with its prompt on row 5 after some output: rows 0..9, cursor included.
    assert crop_window((80, 24), (40, 10), (5, 5), last_row=5) == (0, 0)
    # Output down to row 15, cursor there: the rows ending at it.
    assert crop_window((80, 24), (40, 10), (0, 15), last_row=15) == (0, 6)
    # An editor with its cursor up top and a status line at the bottom: the cursor wins.
    assert crop_window((80, 24), (40, 10), (5, 2), last_row=23) == (0, 2)
    assert crop_window((80, 24), (40, 10), (70, 23), last_row=23) == (31, 14)
    # A pane only watched (its cursor not shown) keeps the left columns, where lines begin.
    assert crop_window((80, 24), (40, 10), (70, 23), last_row=23, follow_x=False) == (0, 14)


@pytest.mark.parametrize(
    "spec, expected",
    [("f12", ("f12", "F12")), ("F11", ("f11", "F11")), ("ctrl+g", ("ctrl+g", "C-g")),
     ("C-g", ("ctrl+g", "C-g")), ("Ctrl-A", ("ctrl+a", "C-a"))],
)  # fmt: skip
def test_escape_chords(spec: str, expected: tuple[str, str]) -> None:
    assert escape_chord(spec) == expected


@pytest.mark.parametrize("spec", ["", "q", "f13", "alt+x", "ctrl+1", "ctrl+]", "enter"])
def test_escape_chords_that_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="use f1 .. f12 or ctrl"):
        escape_chord(spec)
