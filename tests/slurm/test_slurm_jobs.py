"""Jobs through a real Slurm (`conftest.slurm`): on two GPUs at most two jobs at once, with
disjoint CUDA_VISIBLE_DEVICES; the budget kept by orgtui's wrapper on the node; cancel; a job
Slurm refuses; `down` cancels the org's Slurm jobs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

TRAIN = """\
import os, socket, sys, time
print("cuda", os.environ.get("CUDA_VISIBLE_DEVICES", "-"), "node", socket.gethostname(), flush=True)
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 0.3)
print("val_bpb: 0.9979", flush=True)
"""


def scheduler(shared: Path, partition: str = "debug", mode: str = "pool", **slurm: object) -> str:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in slurm.items())
    return f"""
    [scheduler]
    backend = "slurm"
    shared_dir = "{shared}"
    mode = "{mode}"
    time_budget = "30s"
    max_time = "2m"
    grace = "1s"
    [scheduler.slurm]
    partition = "{partition}"
    {extra}"""


def org(shared: Path, *agents: str, **kw: object) -> str:
    agents = agents or ("a", "b")
    research = '[research]\ntrain = "python3 train.py {time}"\n'
    return org_toml("slurmy", research, *(agent_toml(a) for a in agents), scheduler(shared, **kw))


def up(write_org, orgtui, repo: Path, text: str) -> dict:
    (repo / "train.py").write_text(TRAIN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "train")
    orgtui("up", str(write_org(text)))
    return orgtui.status()


def submit(orgtui, *args: str) -> int:
    return json.loads(orgtui("job", "submit", "--json", *args).stdout)["id"]


def show(orgtui, job: int) -> dict:
    return json.loads(orgtui("job", "show", str(job), "--json").stdout)


def ended(orgtui, job: int, timeout: float = 60) -> dict:
    return wait_for(lambda: (j := show(orgtui, job))["state"] not in ("queued", "running") and j,
                    timeout=timeout, what=f"job {job} to end")  # fmt: skip


def squeue(name: str = "") -> list[str]:
    out = subprocess.run(["squeue", "-h", "--me", "-o", "%i %j %T"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return [line for line in out.splitlines() if name in line]


def test_eight_jobs_on_two_gpus_never_overlap_beyond_two(write_org, orgtui, repo, shared_dir):
    status = up(write_org, orgtui, repo, org(shared_dir))
    assert status["scheduler"]["backend"] == "slurm" if "scheduler" in status else True
    jobs = [submit(orgtui, "--agent", "ab"[i % 2], "--", "python3", "train.py", "0.5")
            for i in range(8)]  # fmt: skip
    done = [ended(orgtui, j) for j in jobs]
    assert [j["state"] for j in done] == ["ok"] * 8, [j["reason"] for j in done]
    for j in done:
        assert (
            j["slurm"]["job"].isdigit()
            and j["slurm"]["node"]
            and j["slurm"]["partition"] == "debug"
        )
        assert j["metrics"]["val_bpb"] == 0.9979
        assert j["slurm"]["queued_at"] <= j["started_at"]  # started_at: on the node
    spans = [(j["started_at"], j["ended_at"], set(j["device"].split(","))) for j in done]
    for t in sorted(s for s, _, _ in spans):
        at = [d for s, e, d in spans if s <= t < e]
        assert len(at) <= 2
        assert len(set().union(*at)) == sum(len(d) for d in at)  # disjoint GPUs
    assert max(len([1 for s, e, _ in spans if s <= t < e]) for t, _, _ in spans) == 2
    logs = [orgtui("job", "logs", str(j)).stdout for j in jobs]
    assert all(("cuda 0" in text) != ("cuda 1" in text) for text in logs), logs
    # Everything orgtui wrote under shared_dir is the user's alone.
    written = [shared_dir, *shared_dir.rglob("*")]
    assert {p.name for p in written} >= {"slurm_wrapper.py", f"{jobs[0]}.log"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in written), [
        (p, oct(p.stat().st_mode)) for p in written if p.stat().st_mode & 0o077
    ]


def test_a_job_orgtui_holds_back_says_why_in_status(write_org, orgtui, repo, shared_dir):
    """With max_jobs jobs in Slurm, the next waits in orgtui's queue, and `status` says so
    (`scheduler.cluster`'s `waiting`, and a line of its own) until it goes to Slurm."""
    up(write_org, orgtui, repo, org(shared_dir, max_jobs=1))
    first = submit(orgtui, "--agent", "a", "--", "python3", "train.py", "60")
    second = submit(orgtui, "--agent", "b", "--", "python3", "train.py")
    wait_for(lambda: show(orgtui, first)["state"] == "running", timeout=30)
    cluster = {c["job"]: c for c in orgtui.status()["scheduler"]["cluster"]}
    assert cluster[first]["waiting"] == "" and cluster[first]["slurm_job"].isdigit()
    assert cluster[second] == {"job": second, "slurm_job": "", "partition": "debug", "state": "",
                               "node": "", "waiting": "waiting for a slot (max_jobs 1)"}  # fmt: skip
    text = orgtui("status").stdout
    assert f"job {second}: waiting for a slot (max_jobs 1) (partition debug)" in text, text
    orgtui("job", "cancel", str(first))
    assert ended(orgtui, second)["state"] == "ok"
    assert orgtui.status()["scheduler"]["cluster"] == []
