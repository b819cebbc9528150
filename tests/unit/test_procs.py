"""Processes as /proc shows them, with real processes: an agent's tree and session, the
processes carrying an org's variable, stopping with escalating signals, zombies."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orgtui.control import procs
from orgtui.control.procs import AGENT_STOP, alive, carrying, own_processes, read_proc, stop, tree
from tests.helpers import wait_for


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start processes; at the end kill each (and its process group when it leads one)."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], **kw) -> subprocess.Popen:
        proc = subprocess.Popen(args, **kw)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)


def pid_in(path: Path) -> int:
    text = wait_for(
        lambda: path.exists() and path.read_text().strip(), what=f"a pid in {path.name}"
    )
    return int(str(text))


def state(pid: int) -> str | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2]


# -- read_proc / own_processes ------------------------------------------------------------------


def test_read_proc_of_this_process() -> None:
    me = read_proc(os.getpid())
    assert me is not None
    assert (me.pid, me.ppid, me.sid) == (os.getpid(), os.getppid(), os.getsid(0))
    assert me.start > 0
    assert read_proc(os.getpid()) == me  # the start time names it for good


def test_read_proc_of_a_missing_process_is_none() -> None:
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    assert read_proc(pid_max) is None


def test_read_proc_survives_a_command_name_with_spaces_and_parens(spawn, tmp_path: Path) -> None:
    odd = tmp_path / "x) y (z"
    odd.symlink_to(shutil.which("sleep"))
    proc = spawn([str(odd), "30"])
    wait_for(lambda: "x) y (z" in Path(f"/proc/{proc.pid}/stat").read_text(), what="exec")
    info = read_proc(proc.pid)
    assert info is not None
    assert (info.pid, info.ppid, info.sid) == (proc.pid, os.getpid(), os.getsid(0))


def test_own_processes_include_this_one_and_a_child(spawn) -> None:
    child = spawn(["sleep", "30"])
    pids = {p.pid for p in own_processes()}
    assert {os.getpid(), child.pid} <= pids
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # one that ended since
            assert Path(f"/proc/{pid}").stat().st_uid == os.getuid()


# -- tree ------------------------------------------------------------------------------------


SCRIPT = """
sh -c 'sleep 31 & echo $! > grand; wait' &
echo $! > child
(sleep 32 & echo $! > orphan)
sleep 33 &
wait
"""


def test_tree_finds_children_grandchildren_and_the_session(spawn, tmp_path: Path) -> None:
    root = spawn(["setsid", "sh", "-c", SCRIPT], cwd=tmp_path)
    child, grand, orphan = (pid_in(tmp_path / n) for n in ("child", "grand", "orphan"))
    stranger = spawn(["sleep", "34"])
    wait_for(lambda: state(grand) == "S" and state(orphan) == "S", what="the sleeps to run")
    # The orphan's parent exited: it is no descendant of the root, only in its session.
    wait_for(
        lambda: read_proc(read_proc(orphan).ppid).sid != root.pid, what="the orphan's reparenting"
    )
    assert read_proc(orphan).sid == root.pid
    found = tree([root.pid], own_processes())
    assert {root.pid, child, grand, orphan} <= found
    assert stranger.pid not in found and os.getpid() not in found
    # Everything found is in the root's session.
    assert {read_proc(p).sid for p in found if read_proc(p)} == {root.pid}


def test_tree_of_a_non_leader_follows_descendants_only(spawn, tmp_path: Path) -> None:
    # The root is not a session leader: its session (this test's) is not pulled in.
    root = spawn(["sh", "-c", "sleep 31 & echo $! > child; wait"], cwd=tmp_path, process_group=0)
    child = pid_in(tmp_path / "child")
    found = tree([root.pid], own_processes())
    assert found == {root.pid, child}


def test_tree_of_nothing_is_empty() -> None:
    assert tree([], own_processes()) == set()


def test_tree_works_on_a_given_listing() -> None:
    listing = [
        procs.Proc(pid=10, ppid=1, sid=10, start=1),
        procs.Proc(pid=11, ppid=10, sid=10, start=2),
        procs.Proc(pid=12, ppid=11, sid=12, start=3),  # left the session: still a descendant
        procs.Proc(pid=13, ppid=1, sid=10, start=4),  # reparented: still in the session
        procs.Proc(pid=14, ppid=13, sid=14, start=5),  # its child
        procs.Proc(pid=20, ppid=1, sid=20, start=6),
    ]
    assert tree([10], listing) == {10, 11, 12, 13, 14}
    assert tree([11], listing) == {11, 12}
    assert tree([20], listing) == {20}


# -- carrying ----------------------------------------------------------------------------------


def test_carrying_finds_the_processes_started_with_the_variable(spawn) -> None:
    value = f"org-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if k != "ORGTUI_ORG"}
    carrier = spawn(["sleep", "30"], env={**env, "ORGTUI_ORG": value})
    other = spawn(["sleep", "30"], env={**env, "ORGTUI_ORG": value + "-other"})
    prefix = spawn(["sleep", "30"], env={**env, "ORGTUI_ORG": value[:-1]})
    plain = spawn(["sleep", "30"], env=env)
    wait_for(lambda: all(state(p.pid) == "S" for p in (carrier, other, prefix, plain)))
    found = carrying("ORGTUI_ORG", value, own_processes())
    assert found == {carrier.pid}
    assert carrying("ORGTUI_ORG", value + "-other", own_processes()) == {other.pid}


def test_carrying_finds_a_grandchild_that_inherited_the_variable(spawn, tmp_path: Path) -> None:
    value = f"org-{uuid.uuid4().hex}"
    root = spawn(
        ["sh", "-c", "nohup sleep 31 >/dev/null 2>&1 & echo $! > child; wait"],
        cwd=tmp_path,
        env={**os.environ, "ORGTUI_ORG": value},
        process_group=0,
    )
    child = pid_in(tmp_path / "child")
    wait_for(lambda: state(child) == "S", what="sleep to run")
    assert carrying("ORGTUI_ORG", value, own_processes()) == {root.pid, child}


# -- alive and stop ----------------------------------------------------------------------------

STUBBORN = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def test_alive_of_a_running_process(spawn) -> None:
    proc = spawn(["sleep", "30"])
    assert alive([proc.pid]) == {proc.pid}


def test_alive_treats_a_zombie_as_gone(spawn) -> None:
    proc = spawn(["true"])
    wait_for(lambda: state(proc.pid) == "Z", what="the child to become a zombie")
    assert alive([proc.pid]) == set()
    proc.wait()
    assert alive([proc.pid]) == set()


def test_alive_of_a_missing_pid_is_gone() -> None:
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    assert alive([pid_max, os.getpid()]) == {os.getpid()}


def test_stop_escalates_to_sigkill_for_a_process_that_ignores_term_and_hup(spawn) -> None:
    proc = spawn([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    assert stop({proc.pid}, AGENT_STOP, wait=0.2) == set()
    assert proc.wait(timeout=5) == -signal.SIGKILL


def test_stop_without_sigkill_leaves_a_stubborn_process_alive(spawn) -> None:
    proc = spawn([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    assert stop({proc.pid}, (signal.SIGHUP, signal.SIGTERM), wait=0.1) == {proc.pid}
    assert proc.poll() is None


def test_stop_stops_at_the_first_signal_that_works(spawn) -> None:
    proc = spawn(["sleep", "30"])
    wait_for(lambda: state(proc.pid) == "S")
    assert stop({proc.pid}, AGENT_STOP, wait=5) == set()
    assert proc.wait(timeout=5) == -signal.SIGHUP


def test_stop_a_whole_tree(spawn, tmp_path: Path) -> None:
    root = spawn(["setsid", "sh", "-c", SCRIPT], cwd=tmp_path)
    pids = [root.pid, *(pid_in(tmp_path / n) for n in ("child", "grand", "orphan"))]
    found = tree([root.pid], own_processes())
    assert set(pids) <= found
    assert stop(found, AGENT_STOP, wait=2) == set()
    assert alive(found) == set()


def test_stop_of_nothing_or_the_gone_returns_at_once() -> None:
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    start = time.monotonic()
    assert stop(set(), AGENT_STOP) == set()
    assert stop({pid_max}, AGENT_STOP, wait=30) == set()
    assert time.monotonic() - start < 5


# -- ancestors ----------------------------------------------------------------------------------


def test_ancestors_walk_from_a_process_up_to_init(spawn, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    child = spawn(["sh", "-c", f"sh -c 'echo $$ > {pidfile}; exec sleep 30' & wait"])
    grandchild = pid_in(pidfile)
    chain = [p.pid for p in procs.ancestors(grandchild)]
    assert chain[:3] == [grandchild, child.pid, os.getpid()]
    assert chain[-1] == 1 or read_proc(chain[-1]).ppid == 0  # type: ignore[union-attr]
    assert procs.ancestors(99_999_999) == []
