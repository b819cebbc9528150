"""The pure parts of the Slurm backend: which jobs go to Slurm (dedicated: one per agent;
pool: fair, up to max_jobs), Slurm's Gres strings, `--time` above the budget, what of orgd's
environment reaches sbatch, and `[scheduler.slurm]`'s mistakes at their line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org
from orgtui.daemon.slurm_looks import FAST, SLOW, Looks, gap
from orgtui.scheduler.devices import Device
from orgtui.scheduler.policy import Queued
from orgtui.scheduler.slurm import sbatch_env, time_limit
from orgtui.scheduler.slurm_cluster import gpu_count, gres_gpus
from orgtui.scheduler.slurm_policy import to_submit

AGENTS = ["a", "b", "c"]


def queue(*agents: str) -> list[Queued]:
    return [Queued(i, agent, queued_at=float(i)) for i, agent in enumerate(agents)]


def ids(jobs: list[Queued]) -> list[int | str]:
    return [j.id for j in jobs]


def test_dedicated_one_job_per_agent_in_slurm():
    q = queue("a", "a", "b", "a", "@baseline", "@baseline")
    assert ids(to_submit(q, AGENTS, "dedicated", {}, 16)) == [0, 2, 4, 5]
    assert ids(to_submit(q, AGENTS, "dedicated", {"a": 1}, 16)) == [2, 4, 5]
    assert ids(to_submit(q, AGENTS, "dedicated", {"a": 1, "b": 1}, 3)) == [4]


def test_pool_is_fair_and_keeps_to_max_jobs():
    q = queue("a", "a", "a", "a", "b")
    assert ids(to_submit(q, AGENTS, "pool", {}, 3)) == [0, 4, 1]
    assert ids(to_submit(q, AGENTS, "pool", {"b": 2}, 4)) == [0, 1]
    assert to_submit(q, AGENTS, "pool", {"a": 2, "b": 1}, 3) == []
    urgent = [*q, Queued(9, "a", priority=5, queued_at=9.0)]
    assert ids(to_submit(urgent, AGENTS, "pool", {}, 1)) == [9]


def test_gres_strings():
    assert gpu_count("gpu:2") == 2
    assert gpu_count("gpu:a100:4(S:0-1)") == 4
    assert gpu_count("gpu:a100:2,gpu:v100:1,shard:8") == 3
    assert gpu_count("(null)") == gpu_count("") == 0


def test_time_limit_is_a_margin_above_the_budget():
    assert time_limit(300) == "6:00"  # 5 min + a minute
    assert time_limit(1.5) == "1:02"


def test_sbatch_gets_the_jobs_environment_but_not_orgds_allocation():
    env = {"ORGTUI_JOB": "3", "PATH": "/bin", "SLURM_JOB_ID": "9", "SBATCH_PARTITION": "x",
           "CUDA_VISIBLE_DEVICES": "0,1"}  # fmt: skip
    assert sbatch_env(env) == {"ORGTUI_JOB": "3", "PATH": "/bin"}


HEAD = ["[org]", 'name = "t"', 'repo = "r"', "[[agent]]", 'name = "a"', 'command = "bash"',
        "[scheduler]", 'backend = "slurm"', 'shared_dir = "s"', "[scheduler.slurm]"]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "col", "fragment"),
    [
        ("max_jobs = 0", 12, "'max_jobs' must be at least 1"),
        ('sbatch_args = "--exclusive"', 15, "'sbatch_args' must be a list of strings"),
        ('partition = "gpu a100"', 13, "'partition' must be one name without spaces"),
        ('python = ""', 10, "'python' must not be empty"),
        ('partitoin = "gpu"', 1, "did you mean 'partition'?"),
    ],
)
def test_slurm_table_errors_at_their_place(tmp_path: Path, line: str, col: int, fragment: str):
    path = tmp_path / "org.toml"
    path.write_text("\n".join([*HEAD, line]) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    error = caught.value
    assert (error.line, error.col) == (len(HEAD) + 1, col), str(error)
    assert fragment in error.message, str(error)


def test_a_partition_without_gpus_is_asked_for_none():
    """A job's `gpus` is at least 1; on a partition of CPU nodes, `--gres=gpu:1` would have
    Slurm refuse every job, so none is asked for there."""
    gpu_nodes = [Device(id=f"n1:gpu{i}", kind="gpu", index=i, name=f"n1 gpu{i}") for i in range(2)]
    cpu_nodes = [Device(id="c1", kind="cpu", index=0, name="c1 (idle)")]
    assert gres_gpus(2, gpu_nodes) == 2 and gres_gpus(1, gpu_nodes) == 1
    assert gres_gpus(1, cpu_nodes) == 0 and gres_gpus(1, []) == 0


def test_looks_at_a_jobs_files_often_while_young_or_ending_rarely_otherwise():
    """A job's files are looked at every 0.5 % of the time since it last changed, between
    5 ms and 1 s, and every 5 ms around its budget's end (SIGTERM to SIGKILL, 1 s either
    side)."""
    assert gap(0.2, None, 5) == FAST == 0.005
    assert gap(3.0, None, 5) == pytest.approx(0.015)  # a 3-second job: its end within 15 ms
    assert gap(600, None, 5) == SLOW == 1.0  # a 10-minute job (or one pending): once a second
    assert gap(600, 30.0, 5) == 1.0  # its SIGTERM in 30 s
    assert gap(600, 1.5, 5) == pytest.approx(0.5)  # no look overshoots the window before it
    assert gap(600, 0.5, 5) == gap(600, -3.0, 5) == gap(600, -5.9, 5) == FAST
    assert gap(600, -6.5, 5) == 1.0  # past its SIGKILL: only Slurm's word is left to wait for
    looks = Looks(kill_after=5)
    looks.watch(1, 100.0, limit=60.0)
    looks.watch(2, 100.0, limit=60.0)
    assert looks.due([1, 2], 100.0) == [1, 2]
    assert looks.due([1, 2], 100.001) == []  # 5 ms apart while young
    assert looks.due([1, 2], 100.006) == [1, 2]
    looks.changed(1, 700.0, started=0.0)  # started on its node: SIGTERM at 760
    assert looks.due([1, 2], 700.0) == [1, 2] and looks.wait(700.0) == pytest.approx(0.005)
    assert looks.due([1, 2], 758.5) == [1, 2]  # 1 nears its SIGTERM: looked at again by 759
    assert looks.due([1], 759.0) == [1]  # 2 no longer watched: forgotten
    assert looks.due([1], 759.004) == [] and looks.due([1], 759.006) == [1]
    assert 2 not in looks.next
