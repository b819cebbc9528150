"""The workspace layer against real git repositories: program and agent branches, worktrees,
re-use, dirtiness, removal, and the messages a user sees when the repo is not as needed."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from orgtui.workspace import (
    WorkspaceError,
    agent_branch,
    branch_of,
    check_repo,
    ensure_agent,
    ensure_excluded,
    ensure_program,
    is_dirty,
    remove_worktrees,
    unsaved_work,
)

PROGRAM = "program/softcap"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Git sees neither the machine's config nor its identity, only this test's."""
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Person")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.invalid")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_file(cwd: Path, name: str, text: str) -> str:
    (cwd / name).write_text(text)
    git(cwd, "add", name)
    git(cwd, "commit", "-q", "-m", f"write {name}")
    return git(cwd, "rev-parse", "HEAD")


def branches(repo: Path) -> list[str]:
    return git(repo, "branch", "--format=%(refname:short)").splitlines()


def worktrees(repo: Path) -> dict[Path, str]:
    """`git worktree list`: path -> branch (or "detached")."""
    found: dict[Path, str] = {}
    for block in git(repo, "worktree", "list", "--porcelain").split("\n\n"):
        lines = {
            key: value for key, _, value in (line.partition(" ") for line in block.split("\n"))
        }
        found[Path(lines["worktree"])] = lines.get("branch", "detached").removeprefix("refs/heads/")
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on `main` with two commits and a .gitignore that ignores *.log."""
    path = tmp_path / "research"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit_file(path, "train.py", "print('train')\n")
    commit_file(path, ".gitignore", "*.log\n")
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "org"


def test_agent_branch_sits_beside_the_program_branch_in_git(repo: Path) -> None:
    assert agent_branch(PROGRAM, "claude-1") == "program/softcap--claude-1"
    assert agent_branch(PROGRAM, "lock") == "program/softcap--lock"
    git(repo, "branch", PROGRAM)
    git(repo, "branch", agent_branch(PROGRAM, "lock"), PROGRAM)
    assert git(repo, "branch", "--list", f"{PROGRAM}--*").split() == ["program/softcap--lock"]


def test_program_branch_is_created_from_base(repo: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    assert PROGRAM in branches(repo)
    assert git(repo, "rev-parse", PROGRAM) == git(repo, "rev-parse", "main")


def test_existing_program_branch_is_never_moved(repo: Path) -> None:
    git(repo, "branch", PROGRAM, "main~1")
    before = git(repo, "rev-parse", PROGRAM)
    ensure_program(repo, "main", PROGRAM)
    assert git(repo, "rev-parse", PROGRAM) == before != git(repo, "rev-parse", "main")


def test_program_branch_that_git_refuses_names_it(repo: Path) -> None:
    git(repo, "branch", "program")  # refs/heads/program blocks refs/heads/program/softcap
    with pytest.raises(
        WorkspaceError, match="'program/softcap' from 'main'.*'refs/heads/program' exists"
    ):
        ensure_program(repo, "main", PROGRAM)


def test_agents_get_branches_and_worktrees(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    made = [ensure_agent(repo, PROGRAM, workdir, a) for a in ("claude-1", "codex-1")]

    assert [w.created for w in made] == [True, True]
    assert [w.worktree for w in made] == [
        workdir / "worktrees" / "claude-1",
        workdir / "worktrees" / "codex-1",
    ]
    assert set(branches(repo)) == {
        "main",
        PROGRAM,
        "program/softcap--claude-1",
        "program/softcap--codex-1",
    }
    listed = worktrees(repo)
    for w in made:
        assert listed[w.worktree.resolve()] == w.branch
        assert branch_of(w.worktree) == w.branch
        assert git(w.worktree, "rev-parse", "HEAD") == git(repo, "rev-parse", PROGRAM)
        assert (w.worktree / "train.py").read_text() == "print('train')\n"
        assert not is_dirty(w.worktree)


def test_second_call_reuses_the_worktree_untouched(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    first = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    tree = first.worktree
    work = commit_file(tree, "idea.py", "x = 1\n")
    (tree / "train.py").write_text("print('edited')\n")
    (tree / "notes.md").write_text("untracked\n")

    again = ensure_agent(repo, PROGRAM, workdir, "claude-1")

    assert again == first.__class__("claude-1", first.branch, tree, created=False)
    assert git(repo, "rev-parse", first.branch) == work
    assert (tree / "train.py").read_text() == "print('edited')\n"
    assert (tree / "notes.md").read_text() == "untracked\n"
    assert (tree / "idea.py").read_text() == "x = 1\n"


def test_existing_agent_branch_is_kept_as_it_is(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    branch = agent_branch(PROGRAM, "claude-1")
    git(repo, "branch", branch, "main~1")
    made = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    assert made.created
    assert git(made.worktree, "rev-parse", "HEAD") == git(repo, "rev-parse", "main~1")
    assert not (made.worktree / ".gitignore").exists()


def test_agents_can_be_set_up_from_threads(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    agents = [f"agent-{i}" for i in range(8)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda a: ensure_agent(repo, PROGRAM, workdir, a), agents))
    elapsed = time.perf_counter() - start
    assert all(w.created for w in made)
    listed = worktrees(repo)
    assert len(listed) == 9
    assert {listed[w.worktree.resolve()] for w in made} == {
        agent_branch(PROGRAM, a) for a in agents
    }
    assert elapsed < 10, f"8 agents took {elapsed:.2f}s"


def test_stale_worktree_registration_is_pruned_and_recreated(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    first = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    work = commit_file(first.worktree, "idea.py", "x = 1\n")
    subprocess.run(["rm", "-rf", str(first.worktree)], check=True)

    again = ensure_agent(repo, PROGRAM, workdir, "claude-1")

    assert again.created
    assert worktrees(repo)[again.worktree.resolve()] == first.branch
    assert (again.worktree / "idea.py").read_text() == "x = 1\n"
    assert git(again.worktree, "rev-parse", "HEAD") == work


def test_directory_that_is_not_a_worktree_is_refused(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    occupied = workdir / "worktrees" / "claude-1"
    occupied.mkdir(parents=True)
    (occupied / "precious.txt").write_text("keep me\n")
    with pytest.raises(WorkspaceError, match=f"{occupied} exists but is not a git worktree"):
        ensure_agent(repo, PROGRAM, workdir, "claude-1")
    assert (occupied / "precious.txt").read_text() == "keep me\n"
    assert agent_branch(PROGRAM, "claude-1") not in branches(repo)


def test_empty_directory_becomes_the_worktree(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    (workdir / "worktrees" / "claude-1").mkdir(parents=True)
    made = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    assert made.created and (made.worktree / "train.py").exists()


def test_branch_checked_out_elsewhere_names_that_worktree(
    repo: Path, workdir: Path, tmp_path: Path
) -> None:
    ensure_program(repo, "main", PROGRAM)
    branch = agent_branch(PROGRAM, "claude-1")
    elsewhere = tmp_path / "elsewhere"
    git(repo, "worktree", "add", "-q", "-b", branch, str(elsewhere), PROGRAM)
    with pytest.raises(WorkspaceError, match=f"already checked out in the worktree {elsewhere}"):
        ensure_agent(repo, PROGRAM, workdir, "claude-1")
    assert not (workdir / "worktrees" / "claude-1").exists()


def test_missing_program_branch_is_reported(repo: Path, workdir: Path) -> None:
    with pytest.raises(WorkspaceError, match="program branch 'program/softcap' does not exist"):
        ensure_agent(repo, PROGRAM, workdir, "claude-1")


def test_dirty_means_modified_staged_or_untracked(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    tree = ensure_agent(repo, PROGRAM, workdir, "claude-1").worktree
    (tree / "run.log").write_text("ignored output\n")
    assert not is_dirty(tree)

    (tree / "train.py").write_text("print('changed')\n")
    assert is_dirty(tree)
    git(tree, "checkout", "--", "train.py")
    assert not is_dirty(tree)

    (tree / "new.py").write_text("staged\n")
    git(tree, "add", "new.py")
    assert is_dirty(tree)
    git(tree, "commit", "-q", "-m", "new")
    assert not is_dirty(tree)

    (tree / "scratch").mkdir()
    (tree / "scratch" / "untracked.py").write_text("\n")
    assert is_dirty(tree)


def test_dirty_check_of_a_plain_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=f"{tmp_path} is not a git worktree"):
        is_dirty(tmp_path)


def test_remove_worktrees_keeps_dirty_ones_and_all_branches(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    clean = ensure_agent(repo, PROGRAM, workdir, "clean")
    dirty = ensure_agent(repo, PROGRAM, workdir, "dirty")
    ignored = ensure_agent(repo, PROGRAM, workdir, "ignored")
    ensure_excluded(repo, ["CLAUDE.md"])  # as orgd does for the prompt file it writes
    (clean.worktree / "CLAUDE.md").write_text("written by orgtui\n")
    (dirty.worktree / "wip.py").write_text("unsaved work\n")
    (ignored.worktree / "run.log").write_text("ignored, and work all the same\n")
    assert unsaved_work(clean.worktree, ["CLAUDE.md"]) == []
    assert unsaved_work(ignored.worktree) == ["run.log"]

    agents = ["clean", "dirty", "ignored", "ghost"]
    removed, refused = remove_worktrees(repo, workdir, agents, force=False, generated=["CLAUDE.md"])

    assert (removed, refused) == (["clean"], ["dirty", "ignored"])
    assert not clean.worktree.exists()
    assert (dirty.worktree / "wip.py").read_text() == "unsaved work\n"
    assert (ignored.worktree / "run.log").exists()
    assert set(worktrees(repo)) == {repo.resolve(), dirty.worktree.resolve(),
                                    ignored.worktree.resolve()}  # fmt: skip
    assert {clean.branch, dirty.branch} <= set(branches(repo))

    removed, refused = remove_worktrees(repo, workdir, agents[:3], force=True)

    assert (removed, refused) == (["dirty", "ignored"], [])
    assert not dirty.worktree.exists() and not ignored.worktree.exists()
    assert set(worktrees(repo)) == {repo.resolve()}
    assert {clean.branch, dirty.branch} <= set(branches(repo))


def test_removed_worktree_comes_back_on_its_branch(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    first = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    work = commit_file(first.worktree, "idea.py", "x = 1\n")
    assert remove_worktrees(repo, workdir, ["claude-1"], force=False) == (["claude-1"], [])
    again = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    assert again.created and git(again.worktree, "rev-parse", "HEAD") == work


def test_branch_of_detached_or_plain_directory_is_none(repo: Path, tmp_path: Path) -> None:
    assert branch_of(repo) == "main"
    git(repo, "checkout", "-q", "--detach")
    assert branch_of(repo) is None
    inside = repo / "plain"
    inside.mkdir()
    assert branch_of(inside) is None
    assert branch_of(tmp_path / "missing") is None


def test_check_repo_accepts_a_good_repo(repo: Path) -> None:
    check_repo(repo, "main", PROGRAM)
    check_repo(repo, "main~1", PROGRAM)  # any commit will do as a base
    git(repo, "branch", PROGRAM)
    check_repo(repo, "gone", PROGRAM)  # the base only matters while the program is missing


def test_check_repo_on_a_plain_directory_says_how_to_make_one(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(WorkspaceError) as caught:
        check_repo(plain, "main", PROGRAM)
    message = str(caught.value)
    assert f"{plain} is not a git repository" in message
    assert f"git init {plain}" in message and "orgtui init" in message


def test_check_repo_on_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(WorkspaceError, match=f"{missing} does not exist.*orgtui init {missing}"):
        check_repo(missing, "main", PROGRAM)


def test_check_repo_on_a_subdirectory_names_the_top(repo: Path) -> None:
    sub = repo / "src"
    sub.mkdir()
    with pytest.raises(WorkspaceError, match=f"inside the git repository {repo}, not at its top"):
        check_repo(sub, "main", PROGRAM)


def test_check_repo_without_commits(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    with pytest.raises(WorkspaceError, match=f"{empty} has no commits"):
        check_repo(empty, "main", PROGRAM)


def test_check_repo_missing_base_suggests_the_closest_branch(repo: Path) -> None:
    git(repo, "branch", "develop")
    with pytest.raises(WorkspaceError) as caught:
        check_repo(repo, "mian", PROGRAM)
    message = str(caught.value)
    assert "'mian' does not exist" in message and str(repo) in message
    assert "did you mean base = 'main'?" in message
    assert "develop, main" in message


def test_check_repo_lists_at_most_ten_branches(repo: Path) -> None:
    for i in range(12):
        git(repo, "branch", f"topic-{i:02d}")
    with pytest.raises(WorkspaceError, match=r"\(and 3 more\)") as caught:
        check_repo(repo, "zzz", PROGRAM)
    assert "did you mean" not in str(caught.value)


def test_excluded_patterns_are_added_once_and_hide_files(repo: Path, workdir: Path) -> None:
    ensure_program(repo, "main", PROGRAM)
    tree = ensure_agent(repo, PROGRAM, workdir, "claude-1").worktree
    ensure_excluded(repo, ["AGENTS.md", "CLAUDE.md"])
    ensure_excluded(repo, ["CLAUDE.md", "AGENTS.md"])
    lines = (repo / ".git" / "info" / "exclude").read_text().splitlines()
    assert lines.count("AGENTS.md") == 1 and lines.count("CLAUDE.md") == 1
    (tree / "AGENTS.md").write_text("rendered prompt\n")
    (tree / "CLAUDE.md").write_text("rendered prompt\n")
    assert git(tree, "status", "--porcelain") == ""
    assert not is_dirty(tree)


def test_git_environment_of_the_caller_does_not_redirect_commands(
    repo: Path, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "trunk")
    commit_file(other, "x", "x\n")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    check_repo(repo, "main", PROGRAM)
    ensure_program(repo, "main", PROGRAM)
    made = ensure_agent(repo, PROGRAM, workdir, "claude-1")
    monkeypatch.delenv("GIT_DIR")
    assert PROGRAM in branches(repo) and PROGRAM not in branches(other)
    assert branch_of(made.worktree) == made.branch


def test_job_checkouts_are_real_worktrees_made_beside_agents_worktrees(
    repo: Path, workdir: Path
) -> None:
    """A job's checkout is written by hand (one git run, no lock); git must see a proper
    detached worktree of the snapshot, also while agents' worktrees are being added and
    other checkouts made and removed at the same time, and forget it when it goes."""
    from orgtui.workspace.snapshot import checkout, remove_checkout, snapshot

    ensure_program(repo, "main", PROGRAM)
    (repo / "new.py").write_text("print('untracked, in the snapshot')\n")
    commit = snapshot(repo, "refs/orgtui/jobs/1", "job 1", "alice")
    jobs = workdir / "jobs"

    def job(i: int) -> Path:
        src = jobs / str(i) / "src"
        checkout(repo, commit, src)
        return src

    with ThreadPoolExecutor(max_workers=6) as pool:
        agents = pool.map(lambda a: ensure_agent(repo, PROGRAM, workdir, a), ["a", "b", "c"])
        made = list(pool.map(job, range(12)))
        for src in made[:6]:
            pool.submit(remove_checkout, src)
        assert all(w.created for w in agents)
    listed = worktrees(repo)
    for i, src in enumerate(made):
        assert (src.resolve() in listed) == (i >= 6), f"job {i}: {sorted(listed)}"
        assert src.exists() == (i >= 6)
    src = made[7]
    assert listed[src.resolve()] == "detached"
    assert git(src, "rev-parse", "HEAD") == commit
    assert git(src, "status", "--porcelain") == ""  # index and files match the commit
    assert (src / "new.py").read_text() == "print('untracked, in the snapshot')\n"
    assert (src / "train.py").read_text() == "print('train')\n"
    git(repo, "worktree", "prune")  # git's own prune keeps what is there
    assert src.resolve() in worktrees(repo)
    remove_checkout(src)
    assert src.resolve() not in worktrees(repo) and not src.exists()
    assert git(repo, "rev-parse", "refs/orgtui/jobs/1") == commit  # the code stays


def test_job_checkouts_of_two_orgs_on_one_repository_do_not_clash(repo: Path, tmp_path: Path):
    """Two orgs on one repository both have a job 1: each gets a worktree record of its own,
    and removing one leaves the other whole."""
    from orgtui.workspace.snapshot import checkout, remove_checkout

    head = git(repo, "rev-parse", "HEAD")
    first, second = (tmp_path / org / "jobs" / "1" / "src" for org in ("a", "b"))
    checkout(repo, head, first)
    checkout(repo, head, second)
    assert {first.resolve(), second.resolve()} <= set(worktrees(repo))
    remove_checkout(first)
    assert git(second, "status", "--porcelain") == "" and git(second, "rev-parse", "HEAD") == head
    assert second.resolve() in worktrees(repo) and first.resolve() not in worktrees(repo)
