"""Org shapes on any laptop: the built-in researcher's roles in real orgs (real orgd, real
panes, tinychat on 2 CPU slots at a FLOPs budget of 5e10: 16 steps, a few seconds a run).

- A chief and 2 juniors: the chief (`orgtui agent --role chief`) writes different changes
  into each junior's inbox, never one twice (not after it is restarted either); the juniors
  (`orgtui agent`, their role read from the org file) run them as groups of 3 seeds; the
  chief promotes the one the ledger calls `better` (lr=0.1, first in the test's search space:
  val_bpb ~3.72 against ~4.47 at this budget) from its pane, and the program branch gets the
  merge commit; told so, the juniors rebase onto it.
- A naive researcher (`orgtui agent --naive`) runs one seed and keeps warmup_steps=18, lower
  than the baseline at every seed (~4.35 against ~4.45), posting WIN; the ledger calls it
  `within_noise`, and a promotion of it is refused: the program branch does not move.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

SPACE = """
[knobs.lr]
default = 0.01
values = [0.1]

[knobs.softcap]
default = 15.0
values = [0.0]

[knobs.cooldown]
default = 0.3
values = [0.5]

[knobs.warmup_steps]
default = 20
values = [18]
"""
SCHEDULER = """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    notify = false
    time_budget = "3m"
    flops_budget = 5e10

    [[process]]
    name = "baseline"
    kind = "baseline"
    every = "2s"
    """
RESEARCH = """
    [research]
    train = "{python} train.py --flops {flops} --seed {seed}"
    seeds = 3
    """


def research_repo(orgtui, tmp_path: Path) -> Path:
    """tinychat, with the test's search space committed on main."""
    repo = tmp_path / "tiny"
    orgtui("init", str(repo))
    (repo / "search_space.toml").write_text(SPACE)
    git(repo, "commit", "-q", "-am", "the test's search space")
    return repo


def groups(orgtui) -> list[dict]:
    return json.loads(orgtui("group", "ls", "--json").stdout)


@pytest.mark.timeout(600)
def test_a_chief_splits_the_work_among_its_juniors_and_promotes_their_win(
    write_org, orgtui, tmp_path
):
    repo = research_repo(orgtui, tmp_path)
    org = write_org(org_toml(
        "shape", RESEARCH,
        agent_toml("chief", "orgtui agent --role chief --start lr", role="chief"),
        agent_toml("junior", "orgtui agent", count=2, role="junior", reports_to="chief"),
        SCHEDULER,
    ).replace("{repo}", str(repo)))  # fmt: skip
    orgtui("up", str(org))
    status = orgtui.status()
    comms, program = Path(status["workdir"]) / "comms", status["program"]
    start = git(repo, "rev-parse", program).strip()

    def inbox(junior: str) -> list[str]:
        text = (comms / "inbox" / f"{junior}.md").read_text()
        return [line for line in text.splitlines() if line.startswith("try ")]

    # The plan has 4 changes; each junior holds at most 2 not yet judged.
    wait_for(lambda: inbox("junior-1") and inbox("junior-2"), timeout=60, interval=0.5,
             what="assignments in both juniors' inboxes")  # fmt: skip
    assert inbox("junior-1")[0] == "try lr=0.1"
    assert inbox("junior-2")[0] == "try softcap=0.0"
    orgtui("restart", "chief")  # it reads back what it assigned from the inboxes

    def merged() -> str | None:
        head = git(repo, "rev-parse", program).strip()
        return head if head != start else None

    merge = wait_for(merged, timeout=420, interval=2, what="a promotion merged into the program")
    subject = git(repo, "log", "-1", "--format=%s%n%an%n%P", merge).splitlines()
    mine = {g["description"]: g for g in groups(orgtui)}
    win = mine["junior-1: lr=0.1"]
    assert (
        subject[0].startswith(f"Promote group {win['id']} (junior-1: ") and "lr=0.1" in subject[0]
    )
    assert subject[1] == "orgtui" and subject[2].split() == [start, win["commit"]]
    assert "lr = 0.1\n" in git(repo, "show", f"{program}:train.py")
    assert win["verdict"]["verdict"] == "better" and len(win["jobs"]) == 3

    def second() -> dict | None:
        return next((g for g in groups(orgtui) if g["description"] == "junior-2: softcap=0.0"),
                    None)  # fmt: skip

    assert len(wait_for(second, timeout=60, what="junior-2's group")["jobs"]) == 3
    board = (comms / "board.md").read_text()
    assert "asked by chief: 5 fresh seeds" in board  # from its pane, which orgd accepted
    assert f"Promoting group {win['id']} (junior-1: lr=0.1): better" in board
    assert f"Promotion 1 of group {win['id']}: promoted" in board

    # Told that the program moved, each junior rebases onto it between two experiments.
    def rebased() -> bool:
        trees = [a["worktree"] for a in status["agents"] if a["role"] == "junior"]
        return len(trees) == 2 and all(subprocess.run(["git", "-C", tree, "merge-base",
                   "--is-ancestor", merge, "HEAD"]).returncode == 0 for tree in trees)  # fmt: skip

    wait_for(rebased, timeout=180, interval=2, what="the juniors rebased onto the promotion")
    # No change was assigned twice, the chief's restart included; every one was given.
    assigned = inbox("junior-1") + inbox("junior-2")
    assert sorted(assigned) == sorted(set(assigned))
    wait_for(lambda: len(inbox("junior-1") + inbox("junior-2")) == 4, timeout=120, interval=1,
             what="the whole plan assigned")  # fmt: skip
    tried = [g["description"] for g in groups(orgtui) if g["kind"] == "experiment"]
    assert len(tried) == len(set(tried))


@pytest.mark.timeout(300)
def test_a_naive_researchers_one_seed_win_is_within_noise_and_not_promoted(
    write_org, orgtui, tmp_path
):
    repo = research_repo(orgtui, tmp_path)
    org = write_org(org_toml(
        "naive", RESEARCH, agent_toml("nv", "orgtui agent --naive --start warmup_steps"),
        SCHEDULER,
    ).replace("{repo}", str(repo)))  # fmt: skip
    orgtui("up", str(org))
    status = orgtui.status()
    comms, program = Path(status["workdir"]) / "comms", status["program"]
    start = git(repo, "rev-parse", program).strip()
    tree = Path(next(a["worktree"] for a in status["agents"] if a["name"] == "nv"))

    def win() -> str | None:
        board = (comms / "board.md").read_text()
        return next((line for line in board.splitlines() if line.startswith("WIN")), None)

    line = wait_for(win, timeout=240, interval=1, what="the naive researcher's WIN")
    group = next(g for g in groups(orgtui) if g["description"] == "nv: warmup_steps=18")
    assert line.startswith(f"WIN, kept on my branch: warmup_steps=18 (group {group['id']}): "
                           "val_bpb 4.")  # fmt: skip
    assert "one seed; the ledger says within noise, val_bpb 4." in line
    assert len(group["jobs"]) == 1
    assert group["verdict"]["verdict"] == "within_noise"
    assert group["verdict"]["mean"] < group["verdict"]["reference_mean"]
    kept = subprocess.run(["git", "-C", str(tree), "merge-base", "--is-ancestor",
                           group["commit"], "HEAD"])  # fmt: skip
    assert kept.returncode == 0  # on its branch (its next change stacked on it, maybe)
    refused = orgtui("promote", str(group["id"]), check=False)
    assert refused.returncode == 2 and "only a group the ledger calls better" in refused.stderr
    assert git(repo, "rev-parse", program).strip() == start
