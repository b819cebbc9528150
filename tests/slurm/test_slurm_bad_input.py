"""An org Slurm cannot serve is refused at `up` (exit 2, the org file's line and column, the
value named): an unknown partition, a shared_dir the partition's nodes cannot see, no sbatch;
and `validate` refuses backend = "slurm" without a shared_dir."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import git
from tests.slurm.test_slurm_jobs import org


def refused(write_org, orgtui, repo, text: str, env: dict[str, str] | None = None) -> str:
    git(repo, "commit", "-q", "--allow-empty", "-m", "x")
    path = write_org(text)
    done = orgtui("up", str(path), check=False, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert not list(Path(orgtui.env["XDG_RUNTIME_DIR"]).glob("orgtui/*/orgd.sock"))  # no orgd
    return done.stderr


def test_unknown_partition(write_org, orgtui, repo, shared_dir):
    err = refused(write_org, orgtui, repo, org(shared_dir, partition="nosuch"))
    assert "org.toml:" in err and "no partition 'nosuch'" in err and "debug" in err, err


def test_shared_dir_the_nodes_cannot_see(write_org, orgtui, repo, shared_dir):
    err = refused(write_org, orgtui, repo, org(shared_dir, partition="far"))
    assert f"{shared_dir} is on this machine's own disk" in err and "far1" in err, err


def test_no_sbatch(write_org, orgtui, repo, shared_dir, tmp_path):
    bin_dir = tmp_path / "bin"  # git, and no Slurm command
    bin_dir.mkdir()
    os.symlink(shutil.which("git") or "/usr/bin/git", bin_dir / "git")
    err = refused(write_org, orgtui, repo, org(shared_dir), env={"PATH": str(bin_dir)})
    assert "`sbatch` is not on this PATH" in err, err


def test_validate_needs_a_shared_dir(write_org, orgtui, repo):
    text = org(Path("/x")).replace('shared_dir = "/x"\n', "")
    done = orgtui("validate", str(write_org(text)), check=False)
    assert done.returncode == 2 and "needs [scheduler] shared_dir" in done.stderr, done.stderr
