"""The pane logger as tmux's `pipe-pane` runs it: `python -m orgtui.tmux.panelog LOG CAP`,
the pane's output on its stdin."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import fill_disk, wait_for
from tests.helpers import small_disk as mounted

ROOT = Path(__file__).resolve().parents[2]


class Logger:
    def __init__(self, log: Path, cap: int) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orgtui.tmux.panelog", str(log), str(cap)],
            stdin=subprocess.PIPE,
            cwd=ROOT,
        )
        self.written = b""

    def size(self, path: Path) -> int:
        return path.stat().st_size if path.exists() else -1

    def write(self, data: bytes) -> None:
        """Write `data` and wait until the logger has it on disk (so each write is one read)."""
        assert self.proc.stdin
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        self.written += data

        def landed() -> bool:
            try:
                return self.log.read_bytes().endswith(data)
            except FileNotFoundError:  # not yet written, or being rotated right now
                return False

        wait_for(
            landed,
            timeout=10,
            interval=0.002,
            what=f"{data[:20]!r} to reach the log",
        )

    def close(self) -> int:
        assert self.proc.stdin
        self.proc.stdin.close()
        return self.proc.wait(timeout=10)


@pytest.fixture
def logger(tmp_path: Path) -> Iterator[Callable[..., Logger]]:
    started: list[Logger] = []

    def start(cap: int, name: str = "agent.log") -> Logger:
        lg = Logger(tmp_path / name, cap)
        started.append(lg)
        return lg

    yield start
    for lg in started:
        if lg.proc.poll() is None:
            lg.proc.kill()
            lg.proc.wait()


def test_writes_the_output_to_the_log_and_exits_at_eof(logger, tmp_path: Path) -> None:
    lg = logger(1000)
    lg.write(b"hello\n")
    lg.write(b"\x1b[1mbold\x1b[0m bytes \xff\xfe\n")
    assert lg.close() == 0
    assert lg.log.read_bytes() == b"hello\n\x1b[1mbold\x1b[0m bytes \xff\xfe\n"
    assert not Path(f"{lg.log}.1").exists()


def test_the_log_is_private(logger) -> None:
    lg = logger(1000)
    lg.write(b"secret\n")
    assert lg.close() == 0
    assert stat.S_IMODE(lg.log.stat().st_mode) == 0o600


def test_appends_to_an_existing_log(logger, tmp_path: Path) -> None:
    (tmp_path / "agent.log").write_bytes(b"from before\n")
    lg = logger(1000)
    lg.write(b"after a restart\n")
    assert lg.close() == 0
    assert lg.log.read_bytes() == b"from before\nafter a restart\n"


def test_rotates_to_log_1_when_passing_the_cap(logger) -> None:
    lg = logger(100)
    lg.write(b"a" * 60)
    lg.write(b"b" * 40)  # exactly at the cap: no rotation yet
    assert not Path(f"{lg.log}.1").exists()
    lg.write(b"c" * 30)  # past it: the old log moves aside
    assert lg.close() == 0
    assert Path(f"{lg.log}.1").read_bytes() == b"a" * 60 + b"b" * 40
    assert lg.log.read_bytes() == b"c" * 30


def test_an_existing_log_near_the_cap_rotates_on_the_first_output(logger, tmp_path: Path) -> None:
    (tmp_path / "agent.log").write_bytes(b"o" * 90)
    lg = logger(100)
    lg.write(b"n" * 20)
    assert lg.close() == 0
    assert Path(f"{lg.log}.1").read_bytes() == b"o" * 90
    assert lg.log.read_bytes() == b"n" * 20


def test_rotation_replaces_the_older_log_1(logger, tmp_path: Path) -> None:
    Path(f"{tmp_path / 'agent.log'}.1").write_bytes(b"ancient\n")
    lg = logger(50)
    lg.write(b"1" * 40)
    lg.write(b"2" * 40)
    assert Path(f"{lg.log}.1").read_bytes() == b"1" * 40
    lg.write(b"3" * 40)
    assert lg.close() == 0
    assert Path(f"{lg.log}.1").read_bytes() == b"2" * 40
    assert lg.log.read_bytes() == b"3" * 40


def test_logs_stay_under_the_cap_and_keep_the_latest_output(logger) -> None:
    cap = 200
    lg = logger(cap)
    for i in range(40):
        lg.write(f"line {i:03d} {'x' * (i % 17)}\n".encode())
        assert lg.size(lg.log) <= cap
    assert lg.close() == 0
    old = Path(f"{lg.log}.1").read_bytes()
    assert len(old) <= cap
    kept = old + lg.log.read_bytes()
    # Nothing lost at the end: LOG.1 then LOG is exactly the latest output, in order.
    assert lg.written.endswith(kept)
    assert len(kept) > cap


def test_a_single_chunk_into_an_empty_log_is_kept_whole(logger) -> None:
    lg = logger(10)
    lg.write(b"z" * 25)
    assert lg.close() == 0
    assert lg.log.read_bytes() == b"z" * 25
    assert not Path(f"{lg.log}.1").exists()


def test_runs_without_the_tests_on_its_path(tmp_path: Path) -> None:
    """pipe-pane runs it from the pane's directory: it needs nothing but the package."""
    log = tmp_path / "x.log"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "orgtui.tmux.panelog", str(log), "1000"],
        input=b"out\n",
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert proc.returncode == 0
    assert log.read_bytes() == b"out\n"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs where the logger's `disk/agent.log` goes."""
    with mounted(tmp_path / "disk") as path:
        yield path


def unread(pipe: int) -> int:
    """Bytes written to `pipe` that its reader has not read yet."""
    return struct.unpack("i", fcntl.ioctl(pipe, termios.FIONREAD, b"\0" * 4))[0]


def test_a_full_disk_drops_output_then_says_so_and_resumes(logger, small_disk: Path) -> None:
    lg = logger(1 << 20, name="disk/agent.log")
    before = b"b" * 4095 + b"\n"  # one whole page: no slack left in the log's last page
    lg.write(before)
    fill_disk(small_disk / "filler")
    assert lg.proc.stdin
    with contextlib.suppress(BrokenPipeError):
        for _ in range(20):  # more than a pipe holds: the logger must read (and drop) them
            lg.proc.stdin.write(b"lost " * 1000 + b"\n")
            lg.proc.stdin.flush()
        wait_for(lambda: unread(lg.proc.stdin.fileno()) == 0 or lg.proc.poll() is not None)
    assert lg.proc.poll() is None, "the logger died on a full disk"
    assert lg.log.read_bytes() == before
    (small_disk / "filler").unlink()
    lg.write(b"after\n")
    text = lg.log.read_bytes()
    assert text.startswith(before) and text.endswith(b"after\n")
    assert re.search(rb"\n\[orgtui: disk full: \d+ bytes of output dropped\]\n", text), text[-300:]
    assert lg.close() == 0
