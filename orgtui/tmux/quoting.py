"""The tmux boundary's text rules: quoting arguments, escaping formats, cleaning pasted text.

Every argument orgtui gives tmux over control mode is quoted by `quote` (a `;` or `#` in it
then stays text), and every argument of a command tmux reads as a file (`source-file -`) by
`script_line`, which may hold newlines; every argument tmux expands as a format (`new-window
-c`, `-n`, `pipe-pane`'s command, `display`) goes through `escape_format` so `#(...)` never
runs; every text typed into a pane goes through `clean_text` so it cannot carry keys of its
own.
"""

from __future__ import annotations

import re

# Words tmux's parser reads as they are. A `%` starts a directive (`%if`, `%hidden`) unless the
# word is a bare pane id, so other words holding one are quoted.
_SAFE = re.compile(r"%\d+|[A-Za-z0-9_./:@,+=^-]+")
# C0 controls but tab and newline, DEL, and the C1 controls (ESC's 8-bit cousins, CSI among them).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def quote(arg: str) -> str:
    """`arg` as one word of a tmux command line (control mode or a config file)."""
    if "\n" in arg or "\r" in arg:
        # A newline ends a command line in control mode; such text takes the stdin path.
        raise ValueError("a tmux command-line argument cannot hold a newline")
    return _word(arg)


def _word(arg: str) -> str:
    if _SAFE.fullmatch(arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def command_line(*args: str) -> str:
    """One tmux command line with every argument quoted."""
    return " ".join(quote(a) for a in args)


def script_line(*args: str) -> str:
    """One command of a file tmux reads with `source-file`, every argument quoted. Unlike
    control mode, tmux's file parser keeps a newline (or any other byte but NUL) inside single
    quotes as it is, so no argument is refused but one holding NUL."""
    if any("\0" in arg for arg in args):
        raise ValueError("a tmux argument cannot hold a NUL character")
    return " ".join(_word(a) for a in args) + "\n"


def escape_format(text: str) -> str:
    """`text` with `#` doubled, for arguments tmux expands as formats."""
    return text.replace("#", "##")


def clean_text(text: str) -> str:
    """Text safe to type into a pane: CRLF and CR become newlines; ESC and every other control
    character but newline and tab are removed, so the text cannot end a bracketed paste or
    send keys of its own."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)
