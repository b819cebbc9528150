"""Promotion on a real orgd: `orgtui promote G` verifies a group the ledger calls better with
fresh seeds of exactly its code beside fresh seeds of the program head, and merges it into
the program branch only when the verification is better too.

Two orgs serve the module. `tiny` trains the real tinychat on 2 CPU slots at a FLOPs budget
of 5e10 (16 steps, a few seconds a run): raising the learning rate tenfold is a real win
(val_bpb ~3.7 against ~4.5), verified and merged. `stub` runs a stand-in trainer whose
val_bpb depends on the seed alone (plus a SHIFT a change may lower), as its research.train,
so its runs take no time: it shows a screening win that was luck being rejected, a refused
conflict, a refused non-chief, a refused group that is not better, and a program branch that
moved while its verification ran."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orgtui.protocol.client import call
from orgtui.protocol.progress import Progress
from tests.conftest import Orgtui, git
from tests.helpers import agent_toml, org_toml, wait_for

USER = pwd.getpwuid(os.getuid()).pw_name
"""Who a person's promotion names: the user running the tests."""
FINAL = ("better", "worse", "within_noise", "more_compute", "invalid")


@dataclass
class Org:
    run: Orgtui
    file: Path
    repo: Path
    tree: Path
    """Agent a's worktree."""
    status: dict
    baseline: int
    """The first baseline group of the program head, asked for by a person."""

    @property
    def name(self) -> str:
        return self.status["org"]

    @property
    def program(self) -> str:
        return self.status["program"]

    def head(self) -> str:
        return git(self.repo, "rev-parse", self.program).strip()

    def group(self, gid: int) -> dict:
        return json.loads(self.run("group", "show", str(gid), "--json").stdout)

    def groups(self) -> list[dict]:
        return json.loads(self.run("group", "ls", "--json").stdout)

    def jobs(self) -> list[dict]:
        return json.loads(self.run("job", "ls", "--json").stdout)

    def judged(self, gid: int, timeout: float = 300) -> dict:
        """Group `gid` once its verdict is final."""
        return wait_for(
            lambda: (g := self.group(gid))["verdict"] and g["verdict"]["verdict"] in FINAL and g,
            timeout=timeout, interval=0.5, what=f"group {gid}'s verdict",
        )  # fmt: skip

    def board(self) -> str:
        return (Path(self.status["workdir"]) / "comms" / "board.md").read_text()

    def screen(self, agent: str = "a") -> str:
        """The agent's pane with its history, wrapped lines joined."""
        return subprocess.run(
            ["tmux", "-S", self.status["tmux_socket"], "capture-pane", "-p", "-J", "-S", "-2000",
             "-t", f"={self.name}:={agent}"], capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    def submit(self, *args: str) -> dict:
        """`orgtui job submit --json ARGS` from agent a's worktree, as in its pane."""
        out = self.run("job", "submit", "--json", *args, cwd=self.tree, env={"ORGTUI_AGENT": "a"})
        return json.loads(out.stdout)


def _runner() -> tuple[Orgtui, Path]:
    """`orgtui` in a private runtime folder (the module's org outlives one test's)."""
    runtime = Path(tempfile.mkdtemp(prefix="ot", dir="/tmp"))
    runtime.chmod(0o700)
    return Orgtui(runtime), runtime


def _up(run: Orgtui, base: Path, text: str, repo: Path) -> None:
    """The org file `text` on `repo`, written as `base`/org.toml, and the org up."""
    file = base / "org.toml"
    file.write_text(text.replace("{repo}", str(repo)))
    file.chmod(0o644)
    run("up", str(file))


def _stop(run: Orgtui, file: Path, runtime: Path) -> None:
    run("down", "--org", str(file), check=False, timeout=60)
    shutil.rmtree(runtime, ignore_errors=True)


def _commit_on(repo: Path, branch: str, path: str, old: str | None, new: str, message: str) -> str:
    """Commit on `branch` as a person does, in a worktree of its own: `path`'s `old` text
    replaced by `new` (a new file of `new` when `old` is None); the new head."""
    where = Path(tempfile.mkdtemp(prefix="program-", dir=repo.parent))
    git(repo, "worktree", "add", "-q", str(where), branch)
    try:
        file = where / path
        if old is None:
            file.write_text(new)
        else:
            assert old in file.read_text(), old
            file.write_text(file.read_text().replace(old, new))
        git(where, "add", path)
        git(where, "commit", "-q", "-m", message)
        return git(where, "rev-parse", "HEAD").strip()
    finally:
        git(repo, "worktree", "remove", "--force", str(where))


# -- a real win, verified and merged (tinychat) ----------------------------------------------

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


@dataclass
class Tiny(Org):
    win: int
    """Agent a's group of `lr = 0.1`, committed on its branch."""
    commit: str
    """That commit."""
    old_head: str
    """The program head the agent forked from."""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tiny]:
    base = tmp_path_factory.mktemp("tiny")
    repo, file = base / "tiny", base / "org.toml"
    run, runtime = _runner()
    try:
        run("init", str(repo))
        _up(run, base, TINY, repo)
        status = run.status()
        tree = Path(status["agents"][0]["worktree"])
        baseline = json.loads(run("baseline", "--json").stdout)["group"]
        old_head = git(repo, "rev-parse", status["program"]).strip()
        train = tree / "train.py"
        assert "\nlr = 0.01\n" in train.read_text()
        train.write_text(train.read_text().replace("\nlr = 0.01\n", "\nlr = 0.1\n"))
        git(tree, "commit", "-q", "-am", "lr 0.1")
        commit = git(tree, "rev-parse", "HEAD").strip()
        org = Tiny(run, file, repo, tree, status, baseline, 0, commit, old_head)
        org.win = org.submit("--seeds", "3", "--description", "lr 0.1")["group"]
        yield org
    finally:
        _stop(run, file, runtime)


@dataclass
class Promoted:
    out: subprocess.CompletedProcess[str]
    """`orgtui promote G --wait`, ended."""
    id: int
    verification: int
    reference: int
    jobs_before: list[dict]
    """Every job of the org before the promotion."""


@pytest.fixture(scope="module")
def promoted(tiny: Tiny) -> Promoted:
    """Agent a's win, judged better against the baseline, then promoted by a person."""
    waited = tiny.run("group", "wait", str(tiny.win), timeout=300)
    assert waited.stdout.splitlines()[-1].startswith(f"group {tiny.win} (jobs "), waited.stdout
    assert tiny.group(tiny.win)["verdict"]["verdict"] == "better", waited.stdout
    before = tiny.jobs()
    out = tiny.run("promote", str(tiny.win), "--wait", check=False, timeout=400)
    first = out.stdout.splitlines()[0] if out.stdout else ""
    started = re.fullmatch(
        rf"promotion (\d+): verifying group {tiny.win} \(group (\d+) against group (\d+)\)", first
    )
    assert started, out.stdout + out.stderr
    pid, vid, rid = map(int, started.groups())
    return Promoted(out, pid, vid, rid, before)


def test_a_real_win_is_merged_into_the_program_branch(tiny: Tiny, promoted: Promoted):
    out = promoted.out
    assert out.returncode == 0, out.stdout + out.stderr
    last = out.stdout.splitlines()[-1]
    head = tiny.head()
    assert last.startswith(f"promotion {promoted.id}: promoted: merged as {head[:8]}: better, "), (
        last
    )
    # The head is a merge of the old head and exactly the agent's commit.
    parents = git(tiny.repo, "rev-list", "--parents", "-n", "1", head).split()
    assert parents == [head, tiny.old_head, tiny.commit]
    assert "\nlr = 0.1\n" in git(tiny.repo, "show", f"{head}:train.py")
    assert git(tiny.repo, "diff", "--stat", tiny.commit, head) == ""  # the agent's code, whole
    message = git(tiny.repo, "log", "-1", "--format=%B", head)
    assert message.startswith(f"Promote group {tiny.win} (a: lr 0.1)\n\n"), message
    assert (
        f"Verified by promotion {promoted.id}: group {promoted.verification} (fresh seeds of "
        f"{tiny.commit[:8]} merged into {tiny.old_head[:8]}) against group {promoted.reference} "
        f"(fresh seeds of {tiny.old_head[:8]}), margin 0:\nbetter, val_bpb "
    ) in message
    assert "\ncompute: flops 1x, tokens 1x, wall " in message and ", params 1x\n" in message
    assert f"\nscreening: group {tiny.win}, better, val_bpb " in message
    # the agent's branch is untouched: it rebases when told
    assert git(tiny.tree, "rev-parse", "HEAD").strip() == tiny.commit


def landing(repo: Path, commit: str) -> tuple[str, str]:
    """The parents of the commit a verification ran: (the program head, the code merged)."""
    first, second = git(repo, "rev-parse", f"{commit}^1", f"{commit}^2").split()
    return first, second


def test_the_verification_ran_fresh_seeds_beside_fresh_seeds_of_the_old_head(
    tiny: Tiny, promoted: Promoted
):
    v, r = tiny.group(promoted.verification), tiny.group(promoted.reference)
    # what was verified is what lands: the agent's commit merged into the old head (the same
    # tree as the agent's commit, which forked from that head)
    assert v["kind"] == "verification" and v["agent"] == "a"
    assert landing(tiny.repo, v["commit"]) == (tiny.old_head, tiny.commit)
    assert git(tiny.repo, "diff", "--stat", tiny.commit, v["commit"]) == ""
    assert v["reference"] == promoted.reference != tiny.baseline
    assert r["kind"] == "baseline" and r["agent"] == "@promote" and r["commit"] == tiny.old_head
    assert all(run["commit"] == v["commit"] for run in v["runs"])
    assert all(run["commit"] == tiny.old_head for run in r["runs"])
    # 5 seeds each (research.verify_seeds), none run by any job before, none shared
    used = {j["seed"] for j in promoted.jobs_before}
    assert len(set(v["seeds"])) == 5 and len(set(r["seeds"])) == 5
    assert not set(v["seeds"]) & used and not set(r["seeds"]) & used
    assert not set(v["seeds"]) & set(r["seeds"])
    # queued in turn, so drift hits both alike
    first = v["jobs"][0]
    assert v["jobs"] == list(range(first, first + 10, 2))
    assert r["jobs"] == list(range(first + 1, first + 11, 2))
    assert all(run["state"] == "ok" for run in v["runs"] + r["runs"])
    verdict = v["verdict"]
    assert verdict["verdict"] == "better" and verdict["comparisons"] == "1/20", verdict
    assert verdict["mean"] < verdict["reference_mean"] - 0.3, verdict  # ~3.7 against ~4.5
    assert verdict["compute_ratio"]["flops"] == pytest.approx(1.0)


def test_the_new_head_gets_a_baseline(tiny: Tiny, promoted: Promoted):
    head = tiny.head()

    def queued() -> list[dict]:
        return [g for g in tiny.groups() if g["kind"] == "baseline" and g["commit"] == head]

    (baseline,) = wait_for(queued, timeout=30, what="a baseline of the new head")
    assert baseline["id"] > promoted.reference and len(baseline["jobs"]) == 3


def test_every_agent_is_told_to_rebase(tiny: Tiny, promoted: Promoted):
    head, program = tiny.head(), tiny.program
    told = (f"# orgtui: {program} moved to {head[:8]}: promotion {promoted.id} merged group "
            f"{tiny.win} (a: lr 0.1), verified: better, val_bpb ")  # fmt: skip
    screen = wait_for(lambda: told in (s := tiny.screen()) and s, timeout=60,
                      what="the rebase notice in agent a's pane")  # fmt: skip
    (line,) = [ln[ln.index(told) :] for ln in screen.splitlines() if told in ln]
    assert line.endswith(f". Rebase your branch onto it: git rebase {program}"), line


def test_the_board_says_promoted(tiny: Tiny, promoted: Promoted):
    board = tiny.board()
    head = tiny.head()
    assert (
        f"\n\nPromotion {promoted.id} of group {tiny.win} (a: lr 0.1) asked by "
        f"{USER}: 5 fresh seeds of its code (group {promoted.verification}) beside 5 of "
        f"{tiny.program} at {tiny.old_head[:8]} (group {promoted.reference}), margin 0.\n"
    ) in board
    assert (
        f"\n\nPromotion {promoted.id} of group {tiny.win}: promoted, merged as {head[:8]}: "
        "better, val_bpb "
    ) in board


def test_the_org_progress_counts_the_verified_win(tiny: Tiny, promoted: Promoted):
    """orgd's `progress` (what the cockpit polls): the promotion is the curve's one point, the
    improvement is the verification's gain over the starting baseline, and agent a's record
    has its verified win."""
    sock = Path(tiny.status["tmux_socket"]).parent / "orgd.sock"
    report = call(sock, Progress(), timeout=30)
    assert [p.promotion for p in report.points] == [promoted.id]
    start = tiny.group(tiny.baseline)
    assert report.start.mean == pytest.approx(
        sum(r["metrics"]["val_bpb"] for r in start["runs"]) / len(start["runs"])
    )
    best = tiny.group(promoted.verification)["verdict"]["mean"]
    assert report.points[0].best == pytest.approx(best)
    assert report.score.improvement == pytest.approx(report.start.mean - best)
    assert report.score.verified_wins == 1 and report.score.screening_wins >= 1
    assert report.score.auc is not None and report.score.auc > 0
    (a,) = [r for r in report.agents if r.agent == "a"]
    assert (a.verified_wins, a.false_discoveries) == (1, 0) and a.device_hours > 0
    assert report.horizon > report.points[0].t


def test_a_promoted_group_is_not_promoted_again(tiny: Tiny, promoted: Promoted):
    head, groups = tiny.head(), len(tiny.groups())
    again = tiny.run("promote", str(tiny.win), check=False)
    assert again.returncode == 2
    assert f"group {tiny.win} is promoted already (promotion {promoted.id})" in again.stderr
    # Its verification is better too, and its code is on the program branch now.
    again = tiny.run("promote", str(promoted.verification), check=False)
    assert again.returncode == 2
    code = tiny.group(promoted.verification)["commit"]  # the landing merge it verified
    assert f"group {promoted.verification}'s code ({code[:8]}) is on {tiny.program} already" in (
        again.stderr
    )
    assert tiny.head() == head and len(tiny.groups()) == groups  # nothing queued


# -- what verification and the merge refuse (a stub trainer) ---------------------------------

STUB = '''\
"""A stand-in for a trainer: its val_bpb depends on the seed alone, plus SHIFT."""

import os
import time
from pathlib import Path

SHIFT = 0.0
"""What a change gains: a lower val_bpb is better."""

HOLD = Path({hold!r})
"""While this file exists, runs wait (a test holds a verification to move the branch)."""

NOTE = "the base"

seed = int(os.environ["ORGTUI_SEED"])
while HOLD.exists():
    time.sleep(0.05)
print("---")
print(f"val_bpb: {{3.0 + seed * 2654435761 % 1000 / 10000 + SHIFT:.6f}}")
print("total_tokens: 1000")
print("flops: 6.0000e+06")
print("num_params: 1000")
print("num_steps: 10")
print(f"seed: {{seed}}")
'''
STUB_ORG = org_toml(
    "stub",
    """
    [research]
    train = "{python} stub.py"
    seeds = 3
    min_delta = 0.5
    """,
    agent_toml("a"),
    agent_toml("boss", role="chief"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    flops_budget = 6e6
    time_budget = "1m"
    """,
)
"""Seeds spread val_bpb over [3.0, 3.1): a margin (min_delta) of 0.5 means no draw of seeds
makes a change that does nothing `better`, and SHIFT = -1.0 is a win whatever the seeds."""


@dataclass
class Stub(Org):
    hold: Path
    noop: int
    """Agent a's group of the program head as it is: within noise."""
    lucky: int
    """Agent a's group of a new NOTE (uncommitted), run as `python3 stub.py`: within noise."""
    win: int
    """Agent a's group of SHIFT = -1.0, committed on its branch: better."""
    commit: str
    """That commit."""

    def ledger(self) -> sqlite3.Connection:
        return sqlite3.connect(Path(self.status["workdir"]) / "ledger.sqlite", timeout=30)


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stub]:
    base = tmp_path_factory.mktemp("stub")
    repo, hold = base / "research", base / "hold"
    repo.mkdir()
    git(base, "init", "-q", "-b", "main", str(repo))
    (repo / "stub.py").write_text(STUB.format(hold=str(hold)))
    (repo / ".gitignore").write_text("*.log\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a stub trainer")
    run, runtime = _runner()
    file = base / "org.toml"
    try:
        _up(run, base, STUB_ORG, repo)
        status = run.status()
        tree = Path(next(a["worktree"] for a in status["agents"] if a["name"] == "a"))
        baseline = json.loads(run("baseline", "--json").stdout)["group"]
        org = Stub(run, file, repo, tree, status, baseline, hold, 0, 0, 0, "")
        org.noop = org.submit("--seeds", "3", "--description", "no change")["group"]
        stub_py = tree / "stub.py"
        before = stub_py.read_text()
        stub_py.write_text(before.replace('NOTE = "the base"', 'NOTE = "a lucky note"'))
        org.lucky = org.submit("--seeds", "3", "--description", "a new note", "--",
                               "python3", "stub.py")["group"]  # fmt: skip
        stub_py.write_text(before.replace("SHIFT = 0.0\n", "SHIFT = -1.0\n"))
        git(tree, "commit", "-q", "-am", "shift -1")
        org.commit = git(tree, "rev-parse", "HEAD").strip()
        org.win = org.submit("--seeds", "3", "--description", "shift -1")["group"]
        yield org
    finally:
        hold.unlink(missing_ok=True)
        _stop(run, file, runtime)


def _started(out: str, gid: int) -> tuple[int, int, int]:
    """The promotion, verification and reference ids `promote --wait` prints first."""
    first = out.splitlines()[0] if out else ""
    found = re.fullmatch(
        rf"promotion (\d+): verifying group {gid} \(group (\d+) against group (\d+)\)", first
    )
    assert found, out
    pid, vid, rid = map(int, found.groups())
    return pid, vid, rid


def test_a_screening_win_that_was_luck_is_not_confirmed_and_nothing_moves(stub: Stub):
    """A change that does nothing, judged `better` by luck: writing that verdict into the
    ledger stands in for a lucky draw of its seeds, which real seeds give about 0.3% of the
    time (alpha / M = 0.05 / 20 at each tail). Fresh seeds of exactly its code, beside fresh
    seeds of the program head, do not confirm it, and the program branch does not move."""
    group = stub.judged(stub.lucky)
    assert group["verdict"]["verdict"] != "better", group["verdict"]
    snapshot = {run["commit"] for run in group["runs"]}
    (code,) = snapshot  # its uncommitted edit, as submitted
    assert 'NOTE = "a lucky note"' in git(stub.repo, "show", f"{code}:stub.py")
    lucky = {**group["verdict"], "verdict": "better", "reason": "a lucky draw (written by a test)"}
    with contextlib.closing(stub.ledger()) as db, db:
        db.execute("UPDATE groups SET verdict = 'better', judgement = ? WHERE id = ?",
                   (json.dumps(lucky), stub.lucky))  # fmt: skip
    assert stub.group(stub.lucky)["verdict"]["verdict"] == "better"
    head, before = stub.head(), {j["id"] for j in stub.jobs()}

    out = stub.run("promote", str(stub.lucky), "--wait", check=False, timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    pid, vid, rid = _started(out.stdout, stub.lucky)
    last = out.stdout.splitlines()[-1]
    assert last.startswith(f"promotion {pid}: rejected: not confirmed by fresh seeds: "), last
    assert last.endswith("; nothing moves"), last
    assert stub.head() == head
    assert "Promote group" not in git(stub.repo, "log", "--format=%s", stub.program)
    # the verification: 5 fresh seeds of exactly the snapshot, run with its command
    v, r = stub.group(vid), stub.group(rid)
    assert v["kind"] == "verification" and v["reference"] == rid
    assert landing(stub.repo, v["commit"]) == (head, code)
    assert r["kind"] == "baseline" and r["agent"] == "@promote" and r["commit"] == head
    assert len(v["runs"]) == len(r["runs"]) == 5
    # both sides ran the group's own command (not research.train)
    assert all(run["command"] == ["python3", "stub.py"] for run in v["runs"] + r["runs"])
    assert {j["id"] for j in v["runs"] + r["runs"]}.isdisjoint(before)
    assert all(run["commit"] == v["commit"] and run["state"] == "ok" for run in v["runs"])
    word = v["verdict"]["verdict"]
    assert word in ("within_noise", "worse"), v["verdict"]
    said = word.replace("_", " ")
    assert f"rejected: not confirmed by fresh seeds: {said}, val_bpb " in last, last
    assert abs(v["verdict"]["delta"]) < 0.1  # the seeds alone: no gain
    assert (
        f"\n\nPromotion {pid} of group {stub.lucky}: rejected, not confirmed by fresh seeds: "
        f"{said}, val_bpb "
    ) in stub.board()


def test_a_group_that_is_not_better_is_refused(stub: Stub):
    word = stub.judged(stub.noop)["verdict"]["verdict"]
    assert word != "better"
    groups = len(stub.groups())
    out = stub.run("promote", str(stub.noop), check=False)
    assert out.returncode == 2, out.stdout
    assert (
        f"group {stub.noop} is {word.replace('_', ' ')} (experiment): only a group the ledger "
        "calls better is promoted"
    ) in out.stderr
    out = stub.run("promote", str(stub.baseline), check=False)
    assert out.returncode == 2, out.stdout
    assert f"group {stub.baseline} is not judged (baseline): only a group" in out.stderr
    out = stub.run("promote", "999", check=False)
    assert out.returncode != 0 and "no group 999 in org stub" in out.stderr
    assert len(stub.groups()) == groups  # nothing queued


def test_an_agent_that_is_not_a_chief_cannot_promote(stub: Stub):
    assert stub.judged(stub.win)["verdict"]["verdict"] == "better"
    groups, head = len(stub.groups()), stub.head()
    # typed into agent a's pane (a shell), as the agent would run it, claiming to be the chief
    # too: orgd knows the pane from the client process, not from its environment
    stub.run("send", "a", f"{sys.executable} -m orgtui promote {stub.win}; echo promote exited $?")
    stub.run("send", "a", f"ORGTUI_AGENT=boss {sys.executable} -m orgtui promote {stub.win}; "
                          "echo spoofed exited $?")  # fmt: skip
    screen = wait_for(lambda: "spoofed exited 2" in (s := stub.screen()) and s, timeout=60,
                      what="the promotions refused in agent a's pane")  # fmt: skip
    assert "promote exited 2" in screen
    assert (
        "a promotion is asked for by a person or a chief, and this comes from agent a's pane "
        "(solo): post the group to the board for your chief instead"
    ) in screen
    assert len(stub.groups()) == groups and stub.head() == head
    assert f"of group {stub.win} (a: shift -1) asked by" not in stub.board()


def test_a_change_that_does_not_merge_cleanly_is_refused_with_the_conflict(stub: Stub):
    assert stub.judged(stub.win)["verdict"]["verdict"] == "better"
    before, groups = stub.head(), len(stub.groups())
    # a person changes the same line on the program branch
    conflict = _commit_on(stub.repo, stub.program, "stub.py", "SHIFT = 0.0\n", "SHIFT = 0.25\n",
                          "shift 0.25")  # fmt: skip
    try:
        out = stub.run("promote", str(stub.win), check=False)
        assert out.returncode == 2, out.stdout
        assert (
            f"group {stub.win}'s code does not merge cleanly into {stub.program} "
            f"({conflict[:8]}): conflicts in stub.py"
        ) in out.stderr
        assert stub.head() == conflict and len(stub.groups()) == groups
    finally:
        git(stub.repo, "update-ref", f"refs/heads/{stub.program}", before, conflict)


def test_a_promotion_fails_when_the_program_branch_moved_meanwhile(stub: Stub):
    assert stub.judged(stub.win)["verdict"]["verdict"] == "better"
    head, org_text = stub.head(), stub.file.read_text()
    stub.hold.touch()  # the verification's runs wait until the branch has moved
    try:
        # asked by a person (ORGTUI_AGENT in its environment does not make it the chief)
        wait = subprocess.Popen(
            [sys.executable, "-m", "orgtui", "promote", str(stub.win), "--wait"],
            env={**stub.run.env, "ORGTUI_AGENT": "boss"}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert wait.stdout is not None
        first = wait.stdout.readline()
        pid, vid, rid = _started(first, stub.win)
        again = stub.run("promote", str(stub.win), check=False)
        assert again.returncode == 2
        assert f"group {stub.win} is verifying already (promotion {pid})" in again.stderr
        # The margin was recorded when it started: a larger one now does not apply to it.
        stub.file.write_text(org_text.replace("min_delta = 0.5\n", "min_delta = 2.0\n"))
        stub.run("reload", "--org", str(stub.file))  # applied now (or by orgd's watch already)
        moved = _commit_on(stub.repo, stub.program, "NOTES.md", None, "# Notes\n", "notes")
    finally:
        stub.hold.unlink(missing_ok=True)
    try:
        out, err = wait.communicate(timeout=300)
    finally:
        stub.file.write_text(org_text)
        stub.run("reload", "--org", str(stub.file), check=False)
    assert wait.returncode == 2, out + err
    assert out.splitlines()[-1] == (
        f"promotion {pid}: failed: {stub.program} moved meanwhile ({head[:8]} -> {moved[:8]}): "
        f"verify again with `orgtui promote {stub.win}`"
    ), out
    # the verification confirmed the win, by the margin recorded (a gain of ~1.0 is not above
    # 2.0); the merge was not made
    v = stub.group(vid)
    assert v["verdict"]["verdict"] == "better"
    assert landing(stub.repo, v["commit"]) == (head, stub.commit)
    assert -v["verdict"]["delta"] < 2.0
    assert stub.group(rid)["commit"] == head
    assert stub.head() == moved
    assert "Promote group" not in git(stub.repo, "log", "--format=%s", stub.program)
    board = stub.board()
    # asked from outside boss's pane: orgd names who asked as the kernel sees the client (the
    # person), never from ORGTUI_AGENT, which the client sets itself
    assert f"\n\nPromotion {pid} of group {stub.win} (a: shift -1) asked by {USER}: " in board
    assert f"of {stub.program} at {head[:8]} (group {rid}), margin 0.5.\n" in board
    assert (
        f"\n\nPromotion {pid} of group {stub.win}: failed, {stub.program} moved meanwhile "
        f"({head[:8]} -> {moved[:8]})"
    ) in board
    # Verified again, as the failure says: as it would land on the moved head, and it lands.
    again = stub.run("promote", str(stub.win), "--wait", check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert landing(stub.repo, stub.head()) == (moved, stub.commit)
    assert git(stub.repo, "show", f"{stub.head()}:NOTES.md") == "# Notes\n"  # the move is kept
