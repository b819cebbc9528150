"""What a Slurm org cannot change while it runs, and a job no node can hold: `--gpus` above
the largest node's GPUs is refused at submit (a Slurm job gets its GPUs on one node); a save
that changes `backend`, `shared_dir` or the partition is refused (they apply only at `up`).
As pure functions, then on the real Slurm (`conftest.slurm`: one node, vm, with 2 GPUs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org
from orgtui.daemon.reload import make_plan
from orgtui.scheduler.devices import Device
from orgtui.scheduler.slurm_cluster import gpus_refusal, largest_node
from tests.helpers import wait_for
from tests.slurm.test_slurm_jobs import org, up


def gpus(node: str, n: int) -> list[Device]:
    return [Device(id=f"{node}:gpu{i}", kind="gpu", index=i, name=node) for i in range(n)]


def test_gpus_above_the_largest_node_are_refused():
    devices = [*gpus("n1", 2), *gpus("n2", 4), *gpus("n3", 4), *gpus("n4", 1)]
    assert largest_node(devices) == ("n2", 4)
    assert gpus_refusal(4, devices) is None
    why = gpus_refusal(5, devices)  # the partition has 11: the old check let it through
    assert why == ("--gpus 5: a job runs on one node and the partition's largest node, n2, "
                   "has 4 GPUs (the partition has 11 in all)")  # fmt: skip
    cpus = [Device(id="c1", kind="cpu", index=0, name="c1")]
    assert largest_node(cpus) == ("", 0) and gpus_refusal(3, cpus) is None


HEAD = """[org]\nname = "t"\nrepo = "r"\n[[agent]]\nname = "a"\ncommand = "bash"
[scheduler]\nbackend = "slurm"\nshared_dir = "/s"\n[scheduler.slurm]\npartition = "debug"\n"""


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('backend = "slurm"\nshared_dir = "/s"', 'shared_dir = "/s"', "[scheduler] backend"),
        ('shared_dir = "/s"', 'shared_dir = "/t"', "[scheduler] shared_dir"),
        ('partition = "debug"', 'partition = "far"', "[scheduler.slurm] partition"),
    ],
)
def test_what_up_reads_cannot_change_while_the_org_runs(tmp_path: Path, old, new, key):
    (tmp_path / "a.toml").write_text(HEAD)
    (tmp_path / "b.toml").write_text(HEAD.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        make_plan(load_org(tmp_path / "a.toml"), load_org(tmp_path / "b.toml"))
    assert f"{key} cannot change while the org runs" in caught.value.message
    assert "`orgtui down`, then `orgtui up`" in caught.value.message
    (tmp_path / "b.toml").write_text(HEAD + "max_jobs = 3\n")  # the rest applies
    plan = make_plan(load_org(tmp_path / "a.toml"), load_org(tmp_path / "b.toml"))
    assert plan.scheduler == ["slurm"]


def test_on_slurm_too_many_gpus_and_a_new_partition_are_refused(
    write_org, orgtui, repo, shared_dir, tmp_path: Path
):
    up(write_org, orgtui, repo, org(shared_dir, "a"))
    done = orgtui("job", "submit", "--agent", "a", "--gpus", "3", "--", "true", check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "largest node, vm, has 2 GPUs" in done.stderr, done.stderr
    assert orgtui.status()["scheduler"]["queued"] == []

    path = tmp_path / "org.toml"  # where write_org put it
    path.write_text(path.read_text().replace('partition = "debug"', 'partition = "far"'))
    error = wait_for(lambda: orgtui.status()["config"]["error"], timeout=15, what="the error")
    assert "[scheduler.slurm] partition cannot change while the org runs (it was debug)" in error
    status = orgtui.status()
    assert all(d["id"].startswith("vm:gpu") for d in status["scheduler"]["devices"])
