"""The ledger's verdicts at a time budget, and the families of comparisons one baseline
serves, on a real orgd training the real tinychat on 2 CPU slots for 3 s a run
(`max_comparisons = 5`, baselines of 2 seeds): a wider model is flagged `more_params`
whatever its verdict (the hidden-size trap), and the 6th experiment compared with one
baseline gets a fresh baseline of the same commit as its reference, starting a new family
("1/5" again). An org file that asks for fewer than 5 comparisons is refused.

The groups after the wider model run a one-line Python command that prints a val_bpb and its
compute: what is under test is which reference each is given, not tinychat again."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Orgtui, git
from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml(
    "families",
    """
    [research]
    train = "{python} train.py --time {time} --seed {seed} --threads 1"
    seeds = 2
    max_comparisons = 5
    """,
    agent_toml("a"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    time_budget = "3s"

    [[process]]
    name = "baseline"
    kind = "baseline"
    every = "2s"
    """,
)
QUICK = ("python3", "-c", "print('val_bpb: 4.2\\ntotal_tokens: 4096\\nnum_params: 131072\\n"
         "flops: 3.2e9')")  # fmt: skip
"""A run that reports its metric and its compute at once."""
FINAL = ("better", "worse", "within_noise", "more_compute", "invalid")


@dataclass
class Org:
    run: Orgtui
    repo: Path
    status: dict
    baseline: int
    groups: list[int]
    """The agent's groups in the order submitted: the wider model first."""

    def group(self, gid: int) -> dict:
        return json.loads(self.run("group", "show", str(gid), "--json").stdout)

    def judged(self, gid: int, timeout: float = 240) -> dict:
        return wait_for(
            lambda: (g := self.group(gid))["verdict"] and g["verdict"]["verdict"] in FINAL and g,
            timeout=timeout, interval=0.5, what=f"group {gid}'s verdict",
        )  # fmt: skip


def _submit(run: Orgtui, tree: Path, *args: str) -> int:
    env = {"ORGTUI_AGENT": "a"}
    return json.loads(run("job", "submit", "--json", *args, cwd=tree, env=env).stdout)["group"]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    base = tmp_path_factory.mktemp("families")
    runtime = Path(tempfile.mkdtemp(prefix="ot", dir="/tmp"))
    runtime.chmod(0o700)
    run = Orgtui(runtime)
    repo = base / "tiny"
    run("init", str(repo))
    file = base / "org.toml"
    file.write_text(ORG.replace("{repo}", str(repo)))
    file.chmod(0o644)
    run("up", str(file))
    try:
        status = run.status()
        tree = Path(status["agents"][0]["worktree"])

        def baseline() -> int | None:
            groups = json.loads(run("group", "ls", "--json").stdout)
            return next((g["id"] for g in groups if g["kind"] == "baseline"), None)

        ref = wait_for(baseline, timeout=30, what="the baseline ritual's group")
        train = tree / "train.py"
        before = train.read_text()
        assert "\nn_embd = 64\n" in before
        train.write_text(before.replace("\nn_embd = 64\n", "\nn_embd = 128\n"))
        wider = _submit(run, tree, "--seeds", "2", "--description", "n_embd 128")
        train.write_text(before)
        quick = [_submit(run, tree, "--name", f"quick {i}", "--", *QUICK) for i in range(5)]
        yield Org(run, repo, status, ref, [wider, *quick])
    finally:
        run("down", "--org", str(file), check=False, timeout=60)
        shutil.rmtree(runtime, ignore_errors=True)


def test_a_wider_model_at_a_time_budget_is_flagged_more_params(org: Org):
    group = org.judged(org.groups[0])
    assert group["reference"] == org.baseline
    assert group["budget"] == {"time": 3, "flops": None}
    v = group["verdict"]
    assert v["verdict"] != "invalid", v
    assert "more_params" in v["flags"], v
    assert v["compute_ratio"]["params"] > 2  # n_embd 64 -> 128: its matrices are 4 times larger
    runs = group["runs"]
    for run in runs:  # research.train at the org's time budget, with orgd's seed
        assert run["command"][1:] == ["train.py", "--time", "3", "--seed", str(run["seed"]),
                                      "--threads", "1"]  # fmt: skip
    # Each run trains for its 3 s whatever the width: the wider one takes fewer steps.
    baseline = org.group(org.baseline)
    assert all(r["metrics"]["training_seconds"] >= 3 for r in runs + baseline["runs"])
    steps = [r["metrics"]["num_steps"] for r in runs]
    assert max(steps) < min(r["metrics"]["num_steps"] for r in baseline["runs"])


def test_the_sixth_comparison_of_a_baseline_gets_a_fresh_baseline(org: Org):
    judged = [org.judged(gid) for gid in org.groups]
    first, sixth = judged[:5], judged[5]
    assert [g["reference"] for g in first] == [org.baseline] * 5
    assert [g["verdict"]["comparisons"] for g in first] == [f"{k}/5" for k in range(1, 6)]
    fresh = org.group(sixth["reference"])
    old = org.group(org.baseline)
    assert fresh["id"] != org.baseline and fresh["kind"] == "baseline"
    assert fresh["commit"] == old["commit"] and fresh["budget"] == old["budget"]
    assert len(fresh["jobs"]) == 2 and not set(fresh["seeds"]) & set(old["seeds"])
    assert all(r["state"] == "ok" for r in fresh["runs"])
    assert sixth["verdict"]["comparisons"] == "1/5", sixth["verdict"]
    board = (Path(org.status["workdir"]) / "comms" / "board.md").read_text()
    assert f"group {org.baseline} served its 5 comparisons: a new family" in board
    assert f"group {fresh['id']}, 2 seeds" in board
    head = git(org.repo, "rev-parse", "program/families").strip()
    assert fresh["commit"] == head


def test_fewer_than_5_comparisons_is_refused(tmp_path, orgtui):
    repo = tmp_path / "tiny"
    orgtui("init", str(repo))
    text = ORG.replace("{repo}", str(repo)).replace("max_comparisons = 5", "max_comparisons = 2")
    file = tmp_path / "org.toml"
    file.write_text(text)
    file.chmod(0o644)
    line = text.splitlines().index("max_comparisons = 2") + 1
    for command in ("validate", "up"):
        out = orgtui(command, str(file), check=False)
        assert out.returncode == 2, (command, out.stdout, out.stderr)
        assert out.stderr.startswith(f"{file}:{line}:19: 'max_comparisons' must be at least 5, "
                                     "not 2"), out.stderr  # fmt: skip
        assert "a change that does nothing would be called better more than 1%" in out.stderr
    assert orgtui("status", "--org", str(file), check=False).returncode == 2  # nothing started
