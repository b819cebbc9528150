"""An agent whose `gpus` no node of the partition has: a Slurm job gets its GPUs on one node,
so none of that agent's jobs could ever run. `validate` and `up` refuse such an org (exit 2,
at the `gpus` that says it: the agent's own, its role's or `[defaults]`), and a save that
makes one is refused while the org runs on. As pure functions, then on the real Slurm
(`conftest.slurm`: one node, vm, with 2 GPUs)."""

from __future__ import annotations

from pathlib import Path

from orgtui.config import load_org
from orgtui.scheduler.devices import Device
from orgtui.scheduler.slurm_cluster import agents_refusal
from tests.helpers import wait_for
from tests.slurm.test_slurm_jobs import org, show, submit, up


def gpus(node: str, n: int) -> list[Device]:
    return [Device(id=f"{node}:gpu{i}", kind="gpu", index=i, name=node) for i in range(n)]


NODES = [*gpus("n1", 2), *gpus("n2", 4)]
HEAD = '[org]\nname = "t"\nrepo = "r"\n[scheduler]\nbackend = "slurm"\nshared_dir = "/s"\n'


def refusal(tmp_path: Path, text: str, devices: list[Device] = NODES) -> str | None:
    path = tmp_path / "org.toml"
    path.write_text(HEAD + text)
    error = agents_refusal(load_org(path), devices, "gpu")
    return None if error is None else str(error).removeprefix(f"{path}:")


def test_an_agent_with_more_gpus_than_any_node_is_refused_at_its_gpus(tmp_path: Path):
    fits = '[[agent]]\nname = "a"\ncommand = "bash"\ngpus = 4\n'
    assert refusal(tmp_path, fits) is None  # n2 has 4 (the partition 6)
    big = fits.replace("gpus = 4", "gpus = 5")
    assert refusal(tmp_path, big) == (
        "10:8: agent a: gpus = 5, but a Slurm job gets its GPUs on one node and partition "
        "gpu's largest node, n2, has 4 GPUs: its jobs could never run"
    )
    # A partition of CPU nodes: jobs ask Slurm for no GPU there, so any gpus goes.
    cpus = [Device(id="c1", kind="cpu", index=0, name="c1")]
    assert refusal(tmp_path, big, cpus) is None


def test_the_gpus_an_agent_inherits_is_named_where_it_is_set(tmp_path: Path):
    many = '[[agent]]\nname = "w"\ncommand = "bash"\ncount = 2\n'
    assert refusal(tmp_path, "[defaults]\ngpus = 8\n" + many) == (
        "8:8: agent w-1 (also w-2): gpus = 8, but a Slurm job gets its GPUs on one node and "
        "partition gpu's largest node, n2, has 4 GPUs: its jobs could never run"
    )
    roles = '[roles.junior]\ngpus = 6\n[[agent]]\nname = "j"\ncommand = "bash"\nrole = "junior"\n'
    assert (refusal(tmp_path, roles) or "").startswith("8:8: agent j: gpus = 6,")
    own = roles.replace('role = "junior"\n', 'role = "junior"\ngpus = 2\n')
    assert refusal(tmp_path, own) is None  # its own gpus wins over its role's


def test_validate_up_and_a_live_edit_refuse_an_agent_no_node_can_hold(
    write_org, orgtui, repo, shared_dir, tmp_path: Path
):
    text = org(shared_dir, "a", mode="dedicated").replace('name = "a"\n', 'name = "a"\ngpus = 3\n')
    path = write_org(text)
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if s == "gpus = 3")
    where = f"{path}:{line}:8: agent a: gpus = 3, but a Slurm job gets its GPUs on one node"
    for command in ("validate", "up"):
        done = orgtui(command, str(path), check=False)
        assert done.returncode == 2, done.stdout + done.stderr
        assert where in done.stderr and "largest node, vm, has 2 GPUs" in done.stderr, done.stderr
    assert not list(Path(orgtui.env["XDG_RUNTIME_DIR"]).glob("orgtui/*/orgd.sock"))  # no orgd

    up(write_org, orgtui, repo, org(shared_dir, "a", mode="dedicated"))
    running = orgtui.status()["config"]["hash"]
    path.write_text(path.read_text().replace('name = "a"\n', 'name = "a"\ngpus = 3\n'))
    error = wait_for(lambda: orgtui.status()["config"]["error"], timeout=15, what="the error")
    assert f"{where} and partition debug's largest node, vm, has 2 GPUs" in error, error
    # The org runs on the last good version: a's jobs still go, on one GPU.
    assert orgtui.status()["config"]["hash"] == running
    job = submit(orgtui, "--agent", "a", "--", "python3", "train.py", "0.1")
    done = wait_for(lambda: (j := show(orgtui, job))["state"] == "ok" and j, timeout=30)
    assert done["gpus"] == 1
