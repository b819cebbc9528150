"""An org file that other users can read and whose `env` sets variables named like secrets
(API keys, tokens, passwords) is valid, with a warning: `validate` prints it on stderr, at the
first such `env`, and exits 0. Plain settings (`WANDB_MODE`) are not warned about."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orgtui.config import load_org

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG


def write(directory: Path, lines: list[str], mode: int) -> Path:
    path = directory / "org.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(mode)
    return path


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgtui", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_validate_warns_when_others_can_read_the_secrets_in_env(tmp_path: Path) -> None:
    path = write(tmp_path, [*ORG, *AGENT, 'env = { API_KEY = "sk-123", MODE = "x" }'], 0o644)
    proc = validate(path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}: ok")
    assert proc.stderr == (
        f"{path}:7:1: warning: other users can read this org file, and its 'env' sets variables "
        f"that look like secrets (API_KEY): run `chmod go-r {path}`\n"
    )


@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_group_or_others_reading_it_both_count(tmp_path: Path, mode: int) -> None:
    path = write(tmp_path, [*ORG, "[defaults]", "env.TOKEN = 'x'", *AGENT], mode)
    (warning,) = load_org(path).warnings
    assert warning.startswith(f"{path}:5:1: warning: other users can read this org file")
    assert "(TOKEN)" in warning


def test_the_first_env_in_the_file_is_the_place(tmp_path: Path) -> None:
    lines = [*ORG, *AGENT, "env.B_TOKEN = '2'", "[[agent]]", 'name = "b"', 'command = "sh"']
    lines += ["[defaults]", "env = { A_KEY = '1', MODE = 'x' }"]
    (warning,) = load_org(write(tmp_path, lines, 0o644)).warnings
    assert warning.startswith(f"{tmp_path / 'org.toml'}:7:1: ")
    assert "(A_KEY, B_TOKEN)" in warning


def test_no_warning_when_only_the_owner_can_read_it(tmp_path: Path) -> None:
    path = write(tmp_path, [*ORG, *AGENT, 'env = { API_KEY = "sk-123" }'], 0o600)
    proc = validate(path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert load_org(path).warnings == ()


@pytest.mark.parametrize(
    "env",
    [[], ["env = {}"], ["env = { WANDB_MODE = 'offline' }"]],
    ids=["no-env", "empty-env", "plain-settings"],
)
def test_no_warning_without_secrets_in_env(tmp_path: Path, env: list[str]) -> None:
    assert load_org(write(tmp_path, [*ORG, *AGENT, *env], 0o644)).warnings == ()
