"""The pure parts of the Slurm backend: which jobs go to Slurm (dedicated: one per agent;
pool: fair, up to max_jobs), Slurm's Gres strings, `--time` above the budget, and what of
orgd's environment reaches sbatch."""

from __future__ import annotations

from orgtui.scheduler.policy import Queued
from orgtui.scheduler.slurm import sbatch_env, time_limit
from orgtui.scheduler.slurm_cluster import gpu_count
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
