"""A pane's exit status read from its zombie, for when tmux 3.3a missed the SIGCHLD."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from orgtui.tmux.server import PANE_FORMAT, PaneInfo, zombie_status
from tests.helpers import wait_for


def zombie(argv: list[str]) -> subprocess.Popen[bytes]:
    """A child that has ended and is not reaped yet (Popen waits only when asked)."""
    child = subprocess.Popen(argv)
    wait_for(lambda: zombie_status(child.pid) != "", timeout=10, what="the zombie")
    return child


def test_the_exit_status_and_the_signal_of_a_zombie() -> None:
    exited = zombie(["sh", "-c", "exit 4"])
    killed = zombie(["sh", "-c", "kill -9 $$"])
    try:
        assert zombie_status(exited.pid) == 4
        assert zombie_status(killed.pid) == 128 + signal.SIGKILL
    finally:
        assert exited.wait() == 4 and killed.wait() == -signal.SIGKILL
    # Reaped, gone: nothing to read.
    assert zombie_status(exited.pid) == ""


def test_a_running_process_is_no_zombie() -> None:
    assert zombie_status(os.getpid()) == ""
    with subprocess.Popen(["sleep", "5"]) as child:
        time.sleep(0.1)
        assert zombie_status(child.pid) == ""
        child.kill()


def test_a_dead_pane_without_tmux_status_takes_its_zombies() -> None:
    child = zombie(["sh", "-c", "exit 3"])
    try:
        assert len(PANE_FORMAT.split("\t")) == 11

        def pane(status: str, signal_: str) -> PaneInfo | None:
            # name, window, pane, pid, dead, status, signal, activity, width, height, pipe
            fields = ["w", "@1", "%1", str(child.pid), "1", status, signal_, "0", "80", "24", "1"]
            return PaneInfo.parse("\t".join(fields))

        info = pane("", "")
        assert info is not None and info.dead and info.dead_status == 3
        # tmux's own status wins when it has one; a signal alone is 128 + it.
        assert (info := pane("7", "")) is not None and info.dead_status == 7
        assert (info := pane("", "15")) is not None and info.dead_status == 128 + 15
    finally:
        child.wait()
