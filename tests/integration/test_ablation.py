"""Ablation on a real orgd: `orgtui ablate G` reverts each part of a `better` group's change
in turn (each commit past its reference, and its uncommitted edits), runs each result as a
group of fresh seeds judged against the whole change, and says which parts carry the gain
and which are passengers; a part that does not revert cleanly is named with its conflicts.

Two orgs serve the module. `stub` runs a stand-in trainer whose val_bpb depends on the seed
alone plus a SHIFT a commit may lower, so its runs take no time: it shows a one-commit change
refused, a part that does not revert cleanly named, uncommitted edits as a part of their own,
and an ablation refused when it would take the whole change past its M comparisons. `tiny`
trains the real tinychat on 2 CPU slots at a FLOPs budget of 5e10 (16 steps, a few seconds a
run): a change of two commits, `lr = 0.1` (a real gain: val_bpb ~3.7 against ~4.5) and a
comment, is ablated, and the learning rate is named as the gain, the comment as a passenger."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Orgtui, git
from tests.helpers import agent_toml, org_toml, wait_for

FINAL = ("better", "worse", "within_noise", "more_compute", "invalid")


@dataclass
class Org:
    run: Orgtui
    file: Path
    repo: Path
    status: dict
    baseline: int

    def tree(self, agent: str) -> Path:
        return Path(next(a["worktree"] for a in self.status["agents"] if a["name"] == agent))

    def group(self, gid: int) -> dict:
        return json.loads(self.run("group", "show", str(gid), "--json").stdout)

    def groups(self) -> list[dict]:
        return json.loads(self.run("group", "ls", "--json").stdout)

    def judged(self, gid: int, timeout: float = 300) -> dict:
        """Group `gid` once its verdict is final."""
        return wait_for(
            lambda: (g := self.group(gid))["verdict"] and g["verdict"]["verdict"] in FINAL and g,
            timeout=timeout, interval=0.5, what=f"group {gid}'s verdict",
        )  # fmt: skip

    def board(self) -> str:
        return (Path(self.status["workdir"]) / "comms" / "board.md").read_text()

    def commit(self, agent: str, old: str, new: str, message: str) -> str:
        """Agent `agent` replaces `old` by `new` in its trainer and commits it; the commit."""
        tree = self.tree(agent)
        path = next(tree / n for n in ("train.py", "stub.py") if (tree / n).exists())
        assert old in path.read_text(), old
        path.write_text(path.read_text().replace(old, new, 1))
        git(tree, "commit", "-q", "-am", message)
        return git(tree, "rev-parse", "HEAD").strip()

    def submit(self, agent: str, description: str) -> int:
        """`orgtui job submit --seeds 3` from the agent's worktree, as in its pane; the group."""
        out = self.run("job", "submit", "--json", "--seeds", "3", "--description", description,
                       cwd=self.tree(agent), env={"ORGTUI_AGENT": agent})  # fmt: skip
        return int(json.loads(out.stdout)["group"])

    def ablate(self, gid: int, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return self.run("ablate", str(gid), *args, check=False, timeout=timeout)


def _org(base: Path, text: str, repo: Path) -> tuple[Orgtui, Path, Path]:
    """`orgtui` in a private runtime folder, and the org file `text` on `repo` up."""
    runtime = Path(tempfile.mkdtemp(prefix="ot", dir="/tmp"))
    runtime.chmod(0o700)
    run = Orgtui(runtime)
    if not repo.exists():
        run("init", str(repo))
    file = base / "org.toml"
    file.write_text(text.replace("{repo}", str(repo)))
    file.chmod(0o644)
    run("up", str(file))
    return run, file, runtime


def _stop(run: Orgtui, file: Path, runtime: Path) -> None:
    run("down", "--org", str(file), check=False, timeout=60)
    shutil.rmtree(runtime, ignore_errors=True)


def _part(ablation: dict, subject: str) -> dict:
    (found,) = [p for p in ablation["parts"] if p["subject"] == subject]
    return found


# -- what is refused, what does not revert, uncommitted edits (a stub trainer) ---------------

STUB = '''\
"""A stand-in for a trainer: its val_bpb depends on the seed alone, plus SHIFT."""

import os

SHIFT = 0.0
"""What a change gains: a lower val_bpb is better."""

NOTE = "the base"

seed = int(os.environ["ORGTUI_SEED"])
print("---")
print(f"val_bpb: {3.0 + seed * 2654435761 % 1000 / 10000 + SHIFT:.6f}")
print("total_tokens: 1000")
print("flops: 6.0000e+06")
print("num_params: 1000")
print("num_steps: 10")
'''
STUB_ORG = org_toml(
    "ablate",
    """
    [research]
    train = "{python} stub.py"
    seeds = 3
    min_delta = 0.2
    """,
    agent_toml("a"),
    agent_toml("b"),
    agent_toml("c"),
    agent_toml("d"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    flops_budget = 6e6
    time_budget = "1m"
    """,
)
"""Seeds spread val_bpb over [3.0, 3.1): a margin of 0.2 means no draw of seeds makes a
change that does nothing `better`, and a SHIFT lowered by 0.5 is a win whatever the seeds."""


@dataclass
class Stub(Org):
    one: int
    """Agent a's group of one commit (SHIFT = -1.0)."""
    twice: int
    """Agent b's group of two commits changing the same line (SHIFT = -1.0, then -1.5)."""
    twice_commits: tuple[str, str]
    dirty: int
    """Agent c's group of a commit (SHIFT = -1.0) and an uncommitted edit (NOTE)."""
    dirty_commit: str
    many: int
    """Agent d's group of six commits (SHIFT = -1.0, then five notes)."""
    stacked: int
    """Agent a's group of a commit (SHIFT -= 0.5) stacked on its kept `one`: its reference."""
    stacked_commits: tuple[str, str]


def stub_repo(base: Path) -> Path:
    """A research repository at `base/research` holding the stand-in trainer, on `main`."""
    repo = base / "research"
    repo.mkdir()
    git(base, "init", "-q", "-b", "main", str(repo))
    (repo / "stub.py").write_text(STUB)
    (repo / ".gitignore").write_text("*.log\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a stub trainer")
    return repo


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stub]:
    base = tmp_path_factory.mktemp("stub")
    repo = stub_repo(base)
    run, file, runtime = _org(base, STUB_ORG, repo)
    try:
        status = run.status()
        baseline = json.loads(run("baseline", "--json").stdout)["group"]
        org = Stub(run, file, repo, status, baseline, 0, 0, ("", ""), 0, "", 0, 0, ("", ""))
        one = org.commit("a", "SHIFT = 0.0\n", "SHIFT = -1.0\n", "shift -1")
        org.one = org.submit("a", "shift -1")
        more = org.commit("a", 'NOTE = "the base"\n', 'NOTE = "the base"\nSHIFT -= 0.5\n',
                          "0.5 more")  # fmt: skip
        org.stacked, org.stacked_commits = org.submit("a", "0.5 more"), (one, more)
        first = org.commit("b", "SHIFT = 0.0\n", "SHIFT = -1.0\n", "shift -1")
        second = org.commit("b", "SHIFT = -1.0\n", "SHIFT = -1.5\n", "shift -1.5")
        org.twice, org.twice_commits = org.submit("b", "shift -1.5 in two"), (first, second)
        org.dirty_commit = org.commit("c", "SHIFT = 0.0\n", "SHIFT = -1.0\n", "shift -1")
        stub_py = org.tree("c") / "stub.py"
        stub_py.write_text(stub_py.read_text().replace('"the base"', '"a note"'))
        org.dirty = org.submit("c", "shift -1 and a note")
        org.commit("d", "SHIFT = 0.0\n", "SHIFT = -1.0\n", "shift -1")
        for i in range(5):
            (org.tree("d") / f"note-{i}.md").write_text(f"note {i}\n")
            git(org.tree("d"), "add", f"note-{i}.md")
            git(org.tree("d"), "commit", "-q", "-m", f"note {i}")
        org.many = org.submit("d", "shift -1 and five notes")
        yield org
    finally:
        _stop(run, file, runtime)


def test_a_change_of_one_commit_and_a_group_not_better_are_refused(stub: Stub):
    assert stub.judged(stub.one)["verdict"]["verdict"] == "better"
    groups = len(stub.groups())
    out = stub.ablate(stub.one)
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"nothing to ablate: one change (group {stub.one} is " in out.stderr
    out = stub.ablate(stub.baseline)
    assert out.returncode == 2, out.stdout + out.stderr
    assert (
        f"group {stub.baseline} is not judged (baseline): only an experiment the ledger calls "
        "better is ablated"
    ) in out.stderr
    out = stub.ablate(999)
    assert out.returncode == 2 and "no group 999 in org ablate" in out.stderr
    assert len(stub.groups()) == groups  # nothing queued


def test_a_part_that_does_not_revert_cleanly_is_named(stub: Stub):
    whole = stub.judged(stub.twice)
    assert whole["verdict"]["verdict"] == "better", whole["verdict"]
    out = stub.ablate(stub.twice, "--wait", "--json", timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    ablation = json.loads(out.stdout)
    assert ablation["group"] == stub.twice and ablation["done"] is True
    assert [p["subject"] for p in ablation["parts"]] == ["shift -1", "shift -1.5"]
    first, second = ablation["parts"]
    # Reverting the first commit alone conflicts: the second changed its line again.
    assert first["commit"] == stub.twice_commits[0]
    assert first["conflicts"] == ["stub.py"] and first["role"] == "conflicts"
    assert first["group"] is None and first["verdict"] is None and first["code"] == ""
    # Reverting the second leaves SHIFT = -1.0: worse than the whole change's -1.5.
    assert second["commit"] == stub.twice_commits[1] and second["conflicts"] == []
    assert second["verdict"] == "worse" and second["role"] == "gain", second
    assert second["delta"] == pytest.approx(0.5, abs=0.1)
    code = second["code"]
    assert git(stub.repo, "rev-parse", f"{code}^").strip() == stub.twice_commits[1]
    assert "SHIFT = -1.0\n" in git(stub.repo, "show", f"{code}:stub.py")
    group = stub.group(second["group"])
    assert group["kind"] == "experiment" and group["agent"] == "b" and group["commit"] == code
    assert group["reference"] == stub.twice and group["verdict"]["comparisons"] == "1/20"
    # a leave-one-out group is on no branch: never promoted
    out = stub.run("promote", str(second["group"]), check=False)
    assert (
        out.returncode == 2
        and (
            f"group {second['group']} is a part of the ablation of group {stub.twice} (that change "
            "with one part reverted): its code is on no branch"
        )
        in out.stderr
    ), out.stderr
    # the table names the conflict, and the board has the ablation
    table = stub.ablate(stub.twice).stdout
    assert "shift -1  " in table and "does not revert: conflicts in stub.py" in table, table
    assert "carries the gain" in table, table
    board = stub.board()
    assert f"Ablation of group {stub.twice} (b: shift -1.5 in two) asked by " in board
    assert (
        f"- {stub.twice_commits[0][:8]} (shift -1): does not revert: conflicts in stub.py\n"
    ) in board


def test_an_ablation_past_the_whole_changes_m_comparisons_is_refused(stub: Stub):
    assert stub.judged(stub.many)["verdict"]["verdict"] == "better"
    groups, text = len(stub.groups()), stub.file.read_text()
    # Its 6 leave-one-out groups would be comparisons 1 to 6 of an M of 5: refused.
    stub.file.write_text(text.replace("seeds = 3\n", "seeds = 3\nmax_comparisons = 5\n"))
    try:
        stub.run("reload", "--org", str(stub.file))  # applied now, if orgd's watch has not
        out = stub.ablate(stub.many)
        assert out.returncode == 2, out.stdout + out.stderr
        assert (
            f"group {stub.many} serves 0 of its 5 comparisons (max_comparisons) already: its 6 "
            "leave-one-out groups would take it past them"
        ) in out.stderr
        assert len(stub.groups()) == groups
        assert f"Ablation of group {stub.many} " not in stub.board()
    finally:
        stub.file.write_text(text)
        stub.run("reload", "--org", str(stub.file))


def test_uncommitted_edits_are_a_part_of_their_own(stub: Stub):
    whole = stub.judged(stub.dirty)
    assert whole["verdict"]["verdict"] == "better" and not whole["clean"], whole
    out = stub.ablate(stub.dirty, "--wait", "--json", timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    ablation = json.loads(out.stdout)
    assert [p["subject"] for p in ablation["parts"]] == ["shift -1", "uncommitted edits"]
    shift, edits = ablation["parts"]
    assert shift["commit"] == stub.dirty_commit and edits["commit"] == ""
    # without the commit: SHIFT back to 0.0, the note kept; worse by 1.0: it carries the gain
    assert shift["verdict"] == "worse" and shift["role"] == "gain", shift
    shown = git(stub.repo, "show", f"{shift['code']}:stub.py")
    assert "SHIFT = 0.0\n" in shown and 'NOTE = "a note"' in shown
    # without the edits: exactly the agent's commit; the note changes nothing: a passenger
    assert edits["verdict"] == "within_noise" and edits["role"] == "passenger", edits
    tree = git(stub.repo, "rev-parse", f"{edits['code']}^{{tree}}")
    assert tree == git(stub.repo, "rev-parse", f"{stub.dirty_commit}^{{tree}}")
    runs = [stub.group(p["group"]) for p in ablation["parts"]]
    assert [g["verdict"]["comparisons"] for g in runs] == ["1/20", "2/20"]
    seeds = [s for g in runs for s in g["seeds"]]
    assert len(set(seeds)) == 6 and not set(seeds) & set(whole["seeds"])


def test_a_change_stacked_on_the_agents_earlier_one_is_ablated_from_the_program_branch(
    stub: Stub,
):
    """Its reference is the agent's own earlier change, on no branch but the agent's: the parts
    are counted from where the change left the program branch, both commits, which is what a
    promotion would land."""
    whole = stub.judged(stub.stacked)
    assert whole["reference"] == stub.one and whole["verdict"]["verdict"] == "better", whole
    out = stub.ablate(stub.stacked, "--wait", "--json", timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    ablation = json.loads(out.stdout)
    assert ablation["reference"] == stub.one
    assert [(p["commit"], p["subject"]) for p in ablation["parts"]] == [
        (stub.stacked_commits[0], "shift -1"), (stub.stacked_commits[1], "0.5 more"),
    ]  # fmt: skip
    # Without shift -1, SHIFT is -0.5; without 0.5 more, -1.0: worse than -1.5 both times.
    assert [(p["verdict"], p["role"]) for p in ablation["parts"]] == [("worse", "gain")] * 2
    assert [p["delta"] for p in ablation["parts"]] == [
        pytest.approx(1.0, abs=0.1), pytest.approx(0.5, abs=0.1),
    ]  # fmt: skip


# -- a real gain and a passenger (tinychat) --------------------------------------------------

TINY = org_toml(
    "tiny",
    """
    [research]
    train = "{python} train.py --flops {flops} --seed {seed} --threads 1"
    seeds = 3
    """,
    agent_toml("a"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    flops_budget = 5e10
    time_budget = "2m"
    """,
)
COMMENT = "# a comment: it changes nothing\n"
MAIN = 'if __name__ == "__main__":\n'
"""The comment goes above this line, far from the learning rate's."""


def test_ablation_names_the_gain_and_the_passenger(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("tiny")
    run, file, runtime = _org(base, TINY, base / "tiny")
    try:
        status = run.status()
        baseline = json.loads(run("baseline", "--json").stdout)["group"]
        org = Org(run, file, base / "tiny", status, baseline)
        lr = org.commit("a", "\nlr = 0.01\n", "\nlr = 0.1\n", "lr 0.1")
        noop = org.commit("a", MAIN, COMMENT + MAIN, "a comment")
        whole = org.submit("a", "lr 0.1 and a comment")
        assert org.judged(whole)["verdict"]["verdict"] == "better"

        out = org.ablate(whole, "--wait", "--json", timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
        ablation = json.loads(out.stdout)
        assert ablation["group"] == whole and ablation["reference"] == baseline
        assert ablation["done"] and ablation["metric"] == "val_bpb"
        gain, passenger = _part(ablation, "lr 0.1"), _part(ablation, "a comment")
        assert [p["commit"] for p in ablation["parts"]] == [lr, noop]
        # Without lr 0.1, val_bpb is ~0.75 higher: worse, the part that carries the gain.
        assert gain["verdict"] == "worse" and gain["role"] == "gain", gain
        assert gain["delta"] > 0.3 and gain["delta"] / gain["sigma"] > 3, gain
        # Without the comment, nothing changes but the seeds: a passenger.
        assert passenger["verdict"] == "within_noise" and passenger["role"] == "passenger"
        assert abs(passenger["delta"]) < 0.3 and passenger["conflicts"] == []
        source = git(org.repo, "show", f"{gain['code']}:train.py")
        assert "\nlr = 0.01\n" in source and COMMENT in source
        source = git(org.repo, "show", f"{passenger['code']}:train.py")
        assert "\nlr = 0.1\n" in source and COMMENT not in source
        for part in (gain, passenger):
            group = org.group(part["group"])
            assert group["kind"] == "experiment" and group["reference"] == whole
            assert len(group["seeds"]) == 3 and all(r["state"] == "ok" for r in group["runs"])
            assert all(r["commit"] == part["code"] for r in group["runs"])

        # Asked again, it is answered as it stands: a table, nothing queued.
        groups = len(org.groups())
        table = org.ablate(whole)
        assert table.returncode == 0, table.stderr
        lines = table.stdout.splitlines()
        assert lines[0].startswith(f"ablation of group {whole} (val_bpb, minimize)")
        assert lines[1].split() == ["PART", "GROUP", "VERDICT", "Δ", "Δ/σ", "ROLE"]
        assert lines[2].startswith(f"{lr[:8]} lr 0.1") and "carries the gain" in lines[2]
        assert lines[3].startswith(f"{noop[:8]} a comment") and lines[3].endswith("passenger")
        assert len(org.groups()) == groups
        assert f"Ablation of group {whole}: each part reverted, against the whole" in org.board()
    finally:
        _stop(run, file, runtime)
