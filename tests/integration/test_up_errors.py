"""`up` checks the repository and the base branch, pointing at the org file's line and column,
and changes nothing when they are wrong."""

from __future__ import annotations

from pathlib import Path


def test_missing_repo_points_at_repo(write_org, orgtui, tmp_path: Path):
    org = write_org(
        '[org]\nname = "x"\nrepo = "nowhere"\n\n[[agent]]\nname = "a"\ncommand = "bash"\n'
    )
    proc = orgtui("up", str(org), check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        f"{org}:3:8: the research repo {tmp_path / 'nowhere'} does not exist"
    )
    assert "orgtui init" in proc.stderr
    assert not (tmp_path / ".orgtui" / "x" / "worktrees").exists()


def test_missing_base_points_at_base_and_suggests(write_org, orgtui, repo: Path):
    org = write_org(
        '[org]\nname = "x"\nrepo = "{repo}"\nbase = "mian"\n\n[[agent]]\nname = "a"\ncommand = "bash"\n'
    )
    proc = orgtui("up", str(org), check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{org}:4:8: the base branch 'mian' does not exist")
    assert "did you mean base = 'main'?" in proc.stderr


def test_default_base_missing_points_at_org_table(write_org, orgtui, repo: Path):
    from tests.conftest import git

    git(repo, "branch", "-m", "main", "trunk")
    org = write_org(
        '[org]\nname = "x"\nrepo = "{repo}"\n\n[[agent]]\nname = "a"\ncommand = "bash"\n'
    )
    proc = orgtui("up", str(org), check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{org}:1:1: the base branch 'main' does not exist")
    assert "trunk" in proc.stderr


def test_not_a_repository(write_org, orgtui, tmp_path: Path):
    (tmp_path / "plain").mkdir()
    org = write_org(
        '[org]\nname = "x"\nrepo = "plain"\n\n[[agent]]\nname = "a"\ncommand = "bash"\n'
    )
    proc = orgtui("up", str(org), check=False)
    assert proc.returncode == 2
    assert f"{org}:3:8:" in proc.stderr and "is not a git repository" in proc.stderr
