"""The output watcher on a real tmux server: panes that print are reported dirty, windows
that come and go are reported, and a flood is read without falling over."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from orgtui.tmux.watch import OutputWatcher
from tests.conftest import wait_for


def test_watcher_reports_dirty_panes_and_window_notices() -> None:
    sock = Path(tempfile.mkdtemp(prefix="otw", dir="/tmp")) / "t.sock"
    tmux = ["tmux", "-S", str(sock)]
    subprocess.run(
        [*tmux, "-f", "/dev/null", "new-session", "-d", "-s", "w", "sleep", "300"], check=True
    )
    notices: list[str] = []
    watcher = OutputWatcher(sock, "w", on_notice=notices.append, flags="ignore-size")
    try:
        pane = subprocess.run(
            [
                *tmux,
                "new-window",
                "-d",
                "-P",
                "-F",
                "#{pane_id}",
                "-t",
                "w:",
                "sh",
                "-c",
                "echo hi; sleep 300",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        wait_for(
            lambda: any(n.startswith("%window-add") for n in notices), what="the window notice"
        )
        wait_for(lambda: pane in watcher.take_dirty(), what="the pane reported dirty")
        flood = subprocess.run(
            [
                *tmux,
                "new-window",
                "-d",
                "-P",
                "-F",
                "#{pane_id}",
                "-t",
                "w:",
                "sh",
                "-c",
                "seq 1 200000; sleep 300",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        wait_for(lambda: flood in watcher.take_dirty(), what="the flooding pane")
        wait_for(lambda: watcher.chunks > 1, what="the flood read in several chunks")
        assert not watcher.closed.is_set()
    finally:
        watcher.close()
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert watcher.closed.is_set() and notices[-1] == "%exit"
