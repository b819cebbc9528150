"""A nanochat org on a real orgd, with a shell agent, on 2 CPU slots: the stand-in nanochat
(tests/data/nanochat_standin, upstream's options and log lines) as the user's clone.

`up` makes the research repo from the clone (`init = "nanochat"`); the baseline ritual runs
`research.train` at the org's FLOPs budget; a group of 3 seeds through `research.train` gives
3 different seeds in the runs' environment, each reaching torch through orgtui's seed commit;
every compute field is filled from upstream's log lines; a job of 2 devices runs under
torchrun. orgd's own PATH has no `python`: the runs find it on `[research] path`."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tests.conftest import Orgtui, git
from tests.helpers import agent_toml, org_toml, wait_for
from tests.research.test_nanochat_init import nanochat_clone

FLOPS = 2e11
ORG = org_toml(
    "nano",
    f"""
    init = "nanochat"
    init_from = "nanochat"

    [research]
    train = "{{launch}} scripts.base_train --depth=2 --target-flops={{flops}} --run=dummy"
    path = "{Path(sys.executable).parent}"
    seeds = 3
    """,
    agent_toml("a"),
    f"""
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    flops_budget = {FLOPS}
    time_budget = "1m"

    [[process]]
    name = "baseline"
    kind = "baseline"
    every = "2s"
    """,
)


def jobs_of(run: Orgtui, group: int) -> list[dict]:
    """The group's jobs once every one has ended."""

    def ended() -> list[dict] | None:
        ids = json.loads(run("group", "show", str(group), "--json").stdout)["jobs"]
        shown = [json.loads(run("job", "show", str(j), "--json").stdout) for j in ids]
        return shown if all(j["state"] not in ("queued", "running") for j in shown) else None

    return wait_for(ended, timeout=90, interval=0.3, what=f"group {group}'s jobs to end")


def stand_in_seed(job: dict) -> int:
    found = re.search(r"orgtui stand-in: seed (\d+)", Path(job["log"]).read_text())
    assert found, Path(job["log"]).read_text()
    return int(found[1])


def test_a_nanochat_org_runs_upstreams_base_train_with_orgds_seeds(
    tmp_path: Path, orgtui: Orgtui
) -> None:
    source = nanochat_clone(tmp_path / "nanochat")
    org = tmp_path / "org.toml"
    org.write_text(ORG.replace("{repo}", "research"))
    org.chmod(0o644)
    orgtui.env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # no `python` there: only on path
    up = orgtui("up", str(org))
    repo = tmp_path / "research"
    assert f"{repo}: a clone of {source} on the branch orgtui/nanochat" in up.stdout
    upstream = git(source, "rev-parse", "HEAD").strip()
    assert git(repo, "rev-parse", "orgtui/nanochat~1").strip() == upstream
    tree = Path(orgtui.status()["agents"][0]["worktree"])

    # The baseline ritual: research.train at the org's FLOPs budget, nothing left empty.
    def baseline() -> int | None:
        groups = json.loads(orgtui("group", "ls", "--json").stdout)
        return next((g["id"] for g in groups if g["kind"] == "baseline"), None)

    for job in jobs_of(orgtui, wait_for(baseline, timeout=30, what="the baseline group")):
        assert job["state"] == "ok", job
        assert job["command"][:3] == ["python", "-m", "scripts.base_train"]
        assert "--target-flops=2e+11" in job["command"] and job["budget"]["flops"] == FLOPS

    # An agent's group of 3 seeds through research.train.
    out = orgtui("job", "submit", "--json", "--seeds", "3", "--description", "no change",
                 cwd=tree, env={"ORGTUI_AGENT": "a"})  # fmt: skip
    group = json.loads(out.stdout)["group"]
    runs = jobs_of(orgtui, group)
    assert [j["state"] for j in runs] == ["ok"] * 3, runs
    seeds = [j["seed"] for j in runs]
    assert len(set(seeds)) == 3
    # Each seed was in its run's environment and reached torch (through orgtui's commit:
    # upstream's line would have given 42 to all three).
    assert [stand_in_seed(j) for j in runs] == seeds
    for job in runs:
        assert job["command"] == ["python", "-m", "scripts.base_train", "--depth=2",
                                  "--target-flops=2e+11", "--run=dummy"]  # fmt: skip
        assert git(repo, "merge-base", "--is-ancestor", "orgtui/nanochat", job["commit"]) == ""
        compute = job["compute"]
        assert all(compute[k] is not None and compute[k] > 0 for k in compute), compute
        assert compute["flops"] == job["metrics"]["flops"] and compute["params"] > 0
        assert job["metrics"]["val_bpb"] > 0 and job["metrics"]["num_steps"] >= 1

    # Two devices: the same template under torchrun, `--` after the module.
    out = orgtui("job", "submit", "--json", "--gpus", "2", "--description", "two slots",
                 cwd=tree, env={"ORGTUI_AGENT": "a"})  # fmt: skip
    (wide,) = jobs_of(orgtui, json.loads(out.stdout)["group"])
    assert wide["state"] == "ok", Path(wide["log"]).read_text()
    assert wide["command"][:6] == ["torchrun", "--standalone", "--nproc_per_node=2", "-m",
                                   "scripts.base_train", "--"]  # fmt: skip
    assert "world size 2," in Path(wide["log"]).read_text()
    assert stand_in_seed(wide) == wide["seed"]
