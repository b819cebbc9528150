"""The tmux boundary's text rules: `quote`, `command_line`, `escape_format` and `clean_text`,
checked on their own and against a real tmux server over control mode, with hostile text."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.tmux.quoting import clean_text, command_line, escape_format, quote
from tests.helpers import wait_for

# -- quote ---------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["abc", "new-window", "-t", "%1", "@2", "a/b.c", "k=v", "x:y,z+"])
def test_quote_leaves_plain_words_alone(word: str) -> None:
    assert quote(word) == word


@pytest.mark.parametrize(
    "text, quoted",
    [
        ("", "''"),
        ("a b", "'a b'"),
        ("a;b", "'a;b'"),
        (";", "';'"),
        ("#(id)", "'#(id)'"),
        ("it's", "'it'\\''s'"),
        ("$HOME", "'$HOME'"),
        ("~", "'~'"),
        ("{", "'{'"),
    ],
)
def test_quote_wraps_anything_else_in_single_quotes(text: str, quoted: str) -> None:
    assert quote(text) == quoted


@pytest.mark.parametrize("text", ["a\nb", "\n", "a\rb", "x\r\n"])
def test_quote_refuses_newlines(text: str) -> None:
    with pytest.raises(ValueError, match="newline"):
        quote(text)


def test_command_line_quotes_every_argument() -> None:
    assert command_line("rename-window", "-t", "@1", "a; kill-server") == (
        "rename-window -t @1 'a; kill-server'"
    )


def test_command_line_refuses_a_newline_in_any_argument() -> None:
    with pytest.raises(ValueError):
        command_line("display-message", "-p", "ok", "evil\nkill-server")


# -- escape_format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("plain", "plain"),
        ("#(touch x)", "##(touch x)"),
        ("#{session_name}", "##{session_name}"),
        ("##", "####"),
        ("a#b#", "a##b##"),
    ],
)
def test_escape_format_doubles_every_hash(text: str, escaped: str) -> None:
    assert escape_format(text) == escaped


# -- clean_text ----------------------------------------------------------------------------


def test_clean_text_keeps_printable_text_newlines_and_tabs() -> None:
    text = "héllo ✓ wörld\n\tindented; #(x) $HOME '\"\\"
    assert clean_text(text) == text


def test_clean_text_removes_escape_so_a_paste_cannot_be_closed() -> None:
    text = "before\x1b[201~after\x1b[Aup"
    cleaned = clean_text(text)
    assert "\x1b" not in cleaned
    assert cleaned == "before[201~after[Aup"


def test_clean_text_removes_c0_del_and_c1_controls() -> None:
    controls = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
    c1 = "".join(chr(c) for c in range(0x80, 0xA0))
    assert clean_text(f"a{controls}b{c1}c") == "abc"


def test_clean_text_turns_cr_and_crlf_into_newlines() -> None:
    assert clean_text("one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"


def test_clean_text_output_has_no_control_characters_but_newline_and_tab() -> None:
    every = "".join(chr(c) for c in range(0x00, 0x200))
    cleaned = clean_text(every)
    bad = [c for c in cleaned if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]
    assert bad == []
    # Printable characters all survive.
    assert all(chr(c) in cleaned for c in range(0x20, 0x7F))
    assert all(chr(c) in cleaned for c in range(0xA0, 0x200))


# -- a real tmux server over control mode ----------------------------------------------------

HOSTILE = [
    "; new-window -n evil",
    "x ; new-window -n evil",
    "x \\; new-window -n evil",
    "'quote\"double\\back$HOME~{}",
    "#{session_name} #{pane_pid}",
    "##",
    "#",
    "{ new-window -n evil }",
    "~",
    "'",
    "\\",
    "$(id) `id`",
    "-a",
    "",
    "a\tb  c",
    "FOO=bar",
    "héllo ✓",
]


class Control:
    """A control-mode client of a tmux server, one command per line, replies in order."""

    def __init__(self, socket: str, session: str) -> None:
        self.proc = subprocess.Popen(
            ["tmux", "-S", socket, "-C", "attach", "-t", session, "-f", "no-output"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=tmux_env(),
        )

    def run(self, line: str) -> tuple[bool, list[str]]:
        """Send one command line; (whether tmux answered %end rather than %error, the reply)."""
        assert self.proc.stdin
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.reply(line)

    def reply(self, line: str) -> tuple[bool, list[str]]:
        """The next reply block (a line holding `a ; b` gets one per command)."""
        assert self.proc.stdout
        # Skip notifications and unrequested blocks (attach sends one with flags 0).
        while True:
            header = self.proc.stdout.readline()
            assert header, f"tmux control client ended before answering {line!r}"
            parts = header.split()
            if parts[:1] == ["%begin"] and parts[3:4] == ["1"]:
                break
        reply = []
        while True:
            out = self.proc.stdout.readline()
            assert out, f"tmux control client ended inside the reply to {line!r}"
            parts = out.split()
            if parts[:1] in (["%end"], ["%error"]) and parts[1:] == header.split()[1:]:
                return parts[0] == "%end", reply
            reply.append(out.removesuffix("\n"))

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def tmux_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env["LC_ALL"] = "C.UTF-8"
    return env


@pytest.fixture
def tmux_server() -> Iterator[str]:
    """A private tmux server (socket under /tmp, short enough for unix sockets) with session t."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    folder = tempfile.mkdtemp(prefix="tq", dir="/tmp")
    socket = os.path.join(folder, "s")
    try:
        subprocess.run(
            ["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "sleep 100"],
            check=True,
            env=tmux_env(),
            timeout=10,
        )
        yield socket
    finally:
        subprocess.run(
            ["tmux", "-S", socket, "kill-server"], capture_output=True, env=tmux_env(), timeout=10
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def control(tmux_server: str) -> Iterator[Control]:
    client = Control(tmux_server, "t")
    try:
        yield client
    finally:
        client.close()


def window_names(control: Control) -> list[str]:
    ok, names = control.run(command_line("list-windows", "-a", "-F", "#{window_name}"))
    assert ok
    return names


def display_line(text: str) -> str:
    return command_line("display-message", "-p", "--", escape_format(text))


@pytest.mark.parametrize("text", HOSTILE)
def test_tmux_prints_hostile_text_back_verbatim(control: Control, text: str) -> None:
    ok, reply = control.run(display_line(text))
    assert ok, reply
    assert reply == [text]
    assert len(window_names(control)) == 1


def test_tmux_runs_no_shell_command_from_escaped_text(control: Control, tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    canary = tmp_path / "canary"
    hostile = f"#(touch {pwned}) #{{pane_pid}} ; new-window -n evil"
    ok, reply = control.run(display_line(hostile))
    assert ok and reply == [hostile]
    # The same mechanism, unescaped and sent after it, proves tmux would have run the first
    # by now had it been a command: once the canary exists, the hostile one had its chance.
    ok, _ = control.run(command_line("display-message", "-p", f"#(touch {canary})"))
    assert ok
    wait_for(canary.exists, what="tmux to run the canary #() job")
    assert not pwned.exists()
    assert len(window_names(control)) == 1


def test_unquoted_text_would_start_a_second_command(control: Control, tmp_path: Path) -> None:
    """The harness can tell: the same hostile text without quoting does create a window."""
    line = "display-message -p x ; new-window -d -n evil"
    assert control.run(line) == (True, ["x"])
    assert control.reply(line)[0]  # the second command's block
    assert "evil" in window_names(control)


def test_tmux_renames_a_window_to_hostile_text_verbatim(control: Control, tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    name = f"a; new-window -n evil #(touch {pwned}) #{{pane_pid}} '\"{{}}"
    ok, reply = control.run(command_line("rename-window", "-t", "t:0", escape_format(name)))
    assert ok, reply
    assert window_names(control) == [name]
    assert not pwned.exists()


def test_percent_words_are_quoted_except_pane_ids() -> None:
    # Unquoted, `%3:continue` is a parse error: tmux reads a leading % as a directive.
    assert quote("%3") == "%3"
    assert quote("%3:continue") == "'%3:continue'"
    assert quote("50%") == "'50%'"
