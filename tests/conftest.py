"""Shared fixtures: real git repositories, org files, an isolated runtime folder per test, and
the `orgtui` command run as a user runs it (a subprocess), with every org it started stopped
at the end of the test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit on `main`."""
    path = tmp_path / "research"
    path.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "train.py").write_text("print('val_bpb: 1.0')\n")
    (path / ".gitignore").write_text("*.log\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "initial")
    return path


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private XDG_RUNTIME_DIR for this test, short enough for unix socket paths."""
    path = Path(tempfile.mkdtemp(prefix="ot", dir="/tmp"))
    path.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
        monkeypatch.delenv(var, raising=False)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def write_org(tmp_path: Path, repo: Path) -> Callable[[str], Path]:
    """Write an org file beside the repo; `{repo}` in the text is the repo's path."""

    def write(text: str, name: str = "org.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).replace("{repo}", str(repo)))
        path.chmod(0o644)
        return path

    return write


class Orgtui:
    """Runs `orgtui` as a subprocess in the test's runtime folder."""

    def __init__(self, runtime: Path) -> None:
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), **GIT_ENV}
        # PS1: a shell that exported it (an activated venv's "(.venv) ") would give the
        # test orgs' bash agents that prompt instead of bash's own, which tests wait for.
        for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE", "PS1"):
            self.env.pop(var, None)
        self.started: list[str] = []

    def __call__(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 90,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "orgtui", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **(env or {})},
            cwd=cwd,
        )
        if args and args[0] == "up":
            self.started.append(args[1])
        if check and proc.returncode != 0:
            raise AssertionError(
                f"orgtui {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def status(self, org: str | None = None) -> dict:
        args = ["status", "--json"] + (["--org", org] if org else [])
        return json.loads(self(*args).stdout)


@pytest.fixture
def orgtui(runtime_dir: Path) -> Iterator[Orgtui]:
    runner = Orgtui(runtime_dir)
    yield runner
    for org in set(runner.started):
        runner("down", "--org", org, check=False, timeout=60)
