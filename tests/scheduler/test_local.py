"""The local runner and its wrapper with real processes: a job's spec (its environment) never
reaches a file, the files it leaves are the user's alone, a disk full before the job starts
is told through the launcher and written once space returns, a job's peak memory is measured
(its children's too), and a job whose wrapper was killed has its whole process group killed."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgtui.scheduler.local import LocalRunner, group_alive
from tests.helpers import fill_disk, wait_for
from tests.helpers import small_disk as mounted

SECRET = "hunter2-3c1d9a-not-on-disk"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs."""
    with mounted(tmp_path / "small") as path:
        yield path


async def run_job(runner: LocalRunner, job: int, argv: list[str], cwd: Path, **env: str):
    return await runner.start(job, argv, cwd, {**os.environ, **env}, limit=30)


def test_the_spec_goes_through_a_pipe_and_every_file_is_private(tmp_path: Path) -> None:
    async def main() -> None:
        runner = LocalRunner(tmp_path / "jobs")
        script = 'case "$API_KEY" in hunter2-*) echo has-it;; esac'
        started = await run_job(runner, 1, ["sh", "-c", script], tmp_path, API_KEY=SECRET)
        await asyncio.wait_for(started.ended.wait(), 20)
        assert runner.ended(1)["exit_code"] == 0
        assert runner.log_path(1).read_text() == "has-it\n"
        await runner.close()

    asyncio.run(main())
    folder = tmp_path / "jobs" / "1"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in (tmp_path / "jobs").rglob("*") if p.is_file()]
    assert {p.name for p in files} == {"1.log", "status", "status.pid"}
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    pid, start = (int(w) for w in (folder / "status.pid").read_text().split())
    assert pid > 0 and start > 0


def test_the_status_has_the_jobs_peak_memory_with_its_childrens(tmp_path: Path) -> None:
    """The 200 MiB are held by a child of the job's shell: measured all the same."""
    big = f"{shlex.quote(sys.executable)} -c 'b = b\"x\" * (200 * 2**20)'; true"

    async def main() -> None:
        runner = LocalRunner(tmp_path / "jobs")
        for job, argv in ((1, ["sh", "-c", big]), (2, ["true"])):
            started = await run_job(runner, job, argv, tmp_path)
            await asyncio.wait_for(started.ended.wait(), 20)
        await runner.close()

    asyncio.run(main())
    big_status = (tmp_path / "jobs" / "1" / "status").read_text()
    tiny = json.loads((tmp_path / "jobs" / "2" / "status").read_text())
    assert json.loads(big_status)["exit_code"] == 0
    assert json.loads(big_status)["max_rss_mb"] >= 190
    assert 0 < tiny["max_rss_mb"] < 50 and len(big_status) < 1024


def test_a_full_disk_before_the_job_is_relayed_then_written_once_space_returns(
    small_disk: Path, tmp_path: Path
) -> None:
    filler = small_disk / "filler"

    async def main() -> None:
        runner = LocalRunner(small_disk / "jobs")
        (small_disk / "jobs").mkdir()
        fill_disk(filler)
        started = await run_job(runner, 1, ["true"], tmp_path)
        await asyncio.wait_for(started.ended.wait(), 20)  # told through the launcher
        status = runner.ended(1)
        assert status is not None and status["exit_code"] == 127
        assert "No space left" in status["error"] and status["records_error"]
        assert not runner.status_path(1).exists()
        filler.unlink()  # space returns: the wrapper writes its status and ends
        wait_for(runner.status_path(1).exists, timeout=20, what="the status file")
        assert json.loads(runner.status_path(1).read_text())["exit_code"] == 127
        wait_for(lambda: not runner.alive(started.pid, started.pid_start), timeout=20)
        await runner.close()

    asyncio.run(main())


def test_kill_job_kills_the_group_of_a_job_whose_wrapper_died(tmp_path: Path) -> None:
    async def main() -> None:
        runner = LocalRunner(tmp_path / "jobs")
        started = await run_job(runner, 1, ["sh", "-c", "sleep 60 & sleep 60; wait"], tmp_path)
        pgid = wait_for(lambda: runner.job_pid(1), what="the job's pid")
        os.kill(started.pid, signal.SIGKILL)
        await asyncio.wait_for(started.ended.wait(), 20)
        assert runner.ended(1) is None  # no status: the wrapper died
        assert group_alive(pgid)  # the job's processes outlive their wrapper...
        assert await runner.kill_job(1)  # ...until orgd kills them
        assert not group_alive(pgid)
        assert not await runner.kill_job(1)  # nothing left the second time
        await runner.close()

    asyncio.run(main())


def test_a_reused_pid_is_not_taken_for_the_jobs_group(tmp_path: Path) -> None:
    runner = LocalRunner(tmp_path / "jobs")
    (tmp_path / "jobs" / "1").mkdir(parents=True)
    pid_file = runner.status_path(1).with_suffix(".pid")
    pid_file.write_text(f"{os.getpid()} 1\n")  # this pid, with another start time
    assert runner.job_pid(1) is None
    pid_file.write_text(f"{os.getpid()}\n")  # no start time known: taken as it is
    assert runner.job_pid(1) == os.getpid()
