"""An agent's environment reaches its pane whole, whatever its values hold (newlines, quotes,
`;`, `#{...}`, `$VAR`, a `%if` line, control characters), on the tmux stdin path that keeps it
off every command line: at the server's start, in a new window and at a respawn. A real tmux
server on a private socket."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.tmux.quoting import script_line
from orgtui.tmux.server import TmuxServer, WindowSpec, render_config
from tests.helpers import wait_for

HOSTILE = {
    "NEWLINES": "line one\nline two\n%if 1\nkill-server\n",
    "QUOTES": "it's \"quoted\" '\\'' \\",
    "COMMANDS": "a; kill-server ; display #(touch /tmp/pwned) #{pane_id} $HOME ~ {x}",
    "CONTROLS": "tab\there cr\rthere \x01\x1b[31m \x7f end",
    "UNICODE": "ünïcödé ✓ 中文",
    "EMPTY": "",
    "DASH": "-t =other",
    "SPACES": "   ",
}


@pytest.fixture
def server() -> Iterator[tuple[TmuxServer, Path]]:
    folder = Path(tempfile.mkdtemp(prefix="otenv", dir="/tmp"))
    tmux = TmuxServer(folder / "tmux.sock")
    yield tmux, folder
    tmux.kill()
    shutil.rmtree(folder, ignore_errors=True)


def dump_to(path: Path) -> tuple[str, ...]:
    """A pane command writing its environment to `path` as JSON, then waiting."""
    code = "import json, os, sys, time\njson.dump(dict(os.environ), open(sys.argv[1], 'w'))\ntime.sleep(60)"
    return (sys.executable, "-c", code, str(path))


def seen(path: Path) -> dict[str, str]:
    wait_for(lambda: path.exists() and path.stat().st_size > 0, what=f"{path} written")
    return json.loads(wait_for(lambda: path.read_text().strip() or None))


def test_hostile_values_reach_the_pane_exactly(server: tuple[TmuxServer, Path]) -> None:
    tmux, folder = server
    config = folder / "tmux.conf"
    config.write_text(render_config("envs"))
    env = {**HOSTILE, "PATH": f"{folder}/bin:/usr/bin:/bin"}

    def spec(name: str) -> WindowSpec:
        return WindowSpec(name=name, cwd=folder, argv=dump_to(folder / f"{name}.json"), env=env)

    first = tmux.start(config, "envs", spec("first"))
    tmux.new_window("envs", spec("second"))
    for name in ("first", "second"):
        got = seen(folder / f"{name}.json")
        assert {k: got.get(k) for k in env} == env
    assert tmux.run("list-sessions", "-F", "#{session_name}").split() == ["envs"]
    assert not Path("/tmp/pwned").exists()

    (folder / "first.json").unlink()
    tmux.respawn(first, spec("first"))
    got = seen(folder / "first.json")
    assert {k: got.get(k) for k in env} == env
    # One window's environment is not another's: -e is per pane, not the session's.
    session_env = tmux.run("show-environment", "-t", "envs")
    assert "NEWLINES" not in session_env


def test_script_line_refuses_only_nul() -> None:
    assert script_line("new-window", "-e", "A=x\ny") == "new-window -e 'A=x\ny'\n"
    with pytest.raises(ValueError, match="NUL"):
        script_line("new-window", "-e", "A=\0")
