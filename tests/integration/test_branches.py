"""`orgtui.workspace.branches` against real git repositories: ahead/behind counts, last
commits, dirty worktrees, missing branches and worktrees, and the diff text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from orgtui.workspace import ensure_agent, ensure_program
from orgtui.workspace.branches import BranchInfo, branch_diff, branch_infos
from tests.conftest import git

PROGRAM = "program/softcap"


def commit_file(cwd: Path, name: str, text: str, message: str) -> None:
    (cwd / name).write_text(text)
    git(cwd, "add", name)
    git(cwd, "commit", "-q", "-m", message)


@pytest.fixture
def org(repo: Path, tmp_path: Path) -> dict[str, Path]:
    """The program branch and two agents' worktrees, `alice` and `bob`."""
    ensure_program(repo, "main", PROGRAM)
    workdir = tmp_path / "work"
    return {a: ensure_agent(repo, PROGRAM, workdir, a).worktree for a in ("alice", "bob")}


def by_agent(infos: list[BranchInfo]) -> dict[str, BranchInfo]:
    return {i.agent: i for i in infos}


def test_fresh_branches_are_even_and_clean(repo: Path, org: dict[str, Path]) -> None:
    program, infos = branch_infos(repo, PROGRAM, list(org.items()))
    assert program.branch == PROGRAM and program.exists
    assert program.subject == "initial"
    assert program.committed_at is not None and abs(program.committed_at - time.time()) < 120
    assert [i.agent for i in infos] == ["alice", "bob"]
    for info in infos:
        assert info.exists and info.branch == f"{PROGRAM}--{info.agent}"
        assert (info.ahead, info.behind, info.dirty) == (0, 0, False)
        assert info.subject == "initial" and info.worktree == org[info.agent]


def test_ahead_behind_subject_and_dirty(repo: Path, org: dict[str, Path]) -> None:
    commit_file(org["alice"], "a.py", "x = 1\n", "try softcap 15")
    commit_file(org["alice"], "b.py", "y = 2\n", "tune the learning rate")
    git(repo, "checkout", "-q", PROGRAM)
    commit_file(repo, "p.py", "z = 3\n", "promote a win")
    (org["bob"] / "scratch.txt").write_text("untracked\n")

    program, infos = branch_infos(repo, PROGRAM, list(org.items()))
    assert program.subject == "promote a win"
    alice, bob = by_agent(infos)["alice"], by_agent(infos)["bob"]
    assert (alice.ahead, alice.behind, alice.dirty) == (2, 1, False)
    assert alice.subject == "tune the learning rate"
    assert (bob.ahead, bob.behind, bob.dirty) == (0, 1, True)
    assert bob.subject == "initial"

    (org["alice"] / "a.py").write_text("x = 10\n")  # a tracked file modified
    assert by_agent(branch_infos(repo, PROGRAM, list(org.items()))[1])["alice"].dirty is True


def test_missing_branch_and_worktree_are_reported_not_raised(
    repo: Path, org: dict[str, Path], tmp_path: Path
) -> None:
    agents = [*org.items(), ("carol", tmp_path / "work" / "worktrees" / "carol")]
    _, infos = branch_infos(repo, PROGRAM, agents)
    carol = by_agent(infos)["carol"]
    assert not carol.exists and carol.dirty is None
    assert (carol.ahead, carol.behind, carol.subject, carol.committed_at) == (0, 0, "", None)

    program, infos = branch_infos(repo, "program/none", [("alice", org["alice"])])
    assert not program.exists and program.committed_at is None and program.subject == ""
    assert not infos[0].exists and infos[0].dirty is False  # the worktree is still there

    program, infos = branch_infos(tmp_path / "nowhere", PROGRAM, [("alice", tmp_path / "x")])
    assert not program.exists and not infos[0].exists and infos[0].dirty is None


def test_diff_shows_committed_and_uncommitted_changes(repo: Path, org: dict[str, Path]) -> None:
    alice = org["alice"]
    commit_file(alice, "train.py", "print('val_bpb: 0.9')\n", "better")
    git(repo, "checkout", "-q", PROGRAM)
    commit_file(repo, "later.py", "on the program only\n", "later")  # not in the diff
    (alice / "notes.md").write_text("idea\n")
    (alice / "train.py").write_text("print('val_bpb: 0.8')\n")

    text = branch_diff(repo, PROGRAM, f"{PROGRAM}--alice", alice)
    committed, uncommitted = text.split("\n# uncommitted: ")
    assert committed.startswith(f"# committed: {PROGRAM}...{PROGRAM}--alice\n")
    assert "-print('val_bpb: 1.0')" in committed and "+print('val_bpb: 0.9')" in committed
    assert "train.py | 2 +-" in committed
    assert "later.py" not in text
    assert uncommitted.startswith(str(alice))
    assert "-print('val_bpb: 0.9')" in uncommitted and "+print('val_bpb: 0.8')" in uncommitted
    assert "# untracked files:\n#   notes.md\n" in uncommitted

    only_committed = branch_diff(repo, PROGRAM, f"{PROGRAM}--alice", None)
    assert "# uncommitted" not in only_committed and "+print('val_bpb: 0.9')" in only_committed


def test_diff_of_an_unchanged_missing_or_switched_branch(
    repo: Path, org: dict[str, Path], tmp_path: Path
) -> None:
    text = branch_diff(repo, PROGRAM, f"{PROGRAM}--bob", org["bob"])
    assert "# no committed changes" in text and "# no uncommitted changes" in text

    missing = branch_diff(repo, PROGRAM, f"{PROGRAM}--carol", tmp_path / "gone")
    assert "# cannot compare the branches:" in missing
    assert "# the worktree does not exist" in missing

    git(org["bob"], "switch", "-q", "--detach")
    switched = branch_diff(repo, PROGRAM, f"{PROGRAM}--bob", org["bob"])
    assert "# skipped: the worktree has a detached HEAD checked out" in switched
