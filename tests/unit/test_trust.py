"""Folder trust in the user's CLI configurations: a worktree is recorded as trusted for Claude
Code (`~/.claude.json`) and Codex (`~/.codex/config.toml`) and nothing else changes; the
writes hold the CLIs' lock, so writers at once lose nothing; a file orgtui cannot parse, or a
trust level the person chose, is left exactly as it is and the log says so."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from types import MappingProxyType

import pytest

from orgtui.agents import trust
from orgtui.agents.trust import record_trust
from orgtui.config.agents import kind_for
from orgtui.config.model import AgentSpec

# What a logged-in user's files hold: the login and settings orgtui must keep.
CLAUDE = {
    "numStartups": 12,
    "installMethod": "npm",
    "hasCompletedOnboarding": True,
    "oauthAccount": {"accountUuid": "0f1e", "emailAddress": "ada@example.com"},
    "customApiKeyResponses": {"approved": ["abcdefghij0123456789"], "rejected": []},
    "projects": {
        "/home/ada/work": {
            "allowedTools": ["Bash(git:*)"],
            "hasTrustDialogAccepted": True,
            "lastCost": 0.25,
        }
    },
    "tipsHistory": {"résumé": 3},
}
CODEX = """\
# my codex settings
model = "gpt-5"
preferred_auth_method = "apikey"

[tui]
screen_reader_detection_done = true

[projects."/home/ada/work"]
trust_level = "trusted"

[mcp_servers.docs]
command = "docs-server"
args = ["--port", "7"]"""  # no final newline, as Codex itself leaves it


def spec(command: str, **env: str) -> AgentSpec:
    argv = (command,)
    return AgentSpec(name="a1", command=argv, kind=kind_for(argv), env=MappingProxyType(env))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    path = tmp_path / "org" / "worktrees" / "a1"
    path.mkdir(parents=True)
    return path


def write_claude(home: Path, data: object) -> Path:
    config = home / ".claude.json"
    config.write_text(json.dumps(data, indent=2, ensure_ascii=False))  # as Claude Code does
    config.chmod(0o600)
    return config


def test_claude_config_gets_the_worktree_trusted_and_keeps_every_other_key(
    home: Path, worktree: Path
) -> None:
    config = write_claude(home, CLAUDE)
    record_trust(spec("/opt/tools/claude"), worktree, {"HOME": str(home)})
    data = json.loads(config.read_text())
    assert data["projects"].pop(str(worktree)) == {"hasTrustDialogAccepted": True}
    assert data == CLAUDE
    # Written as Claude Code writes it, so a diff shows the one new entry alone.
    expected = json.loads(json.dumps(CLAUDE))
    expected["projects"][str(worktree)] = {"hasTrustDialogAccepted": True}
    assert config.read_text() == json.dumps(expected, indent=2, ensure_ascii=False)
    assert config.stat().st_mode & 0o777 == 0o600
    assert not Path(f"{config}.lock").exists()
    assert [p.name for p in home.iterdir()] == [".claude.json"]  # no temporary file left


def test_claude_project_keys_are_kept_and_a_trusted_worktree_is_not_written_again(
    home: Path, worktree: Path
) -> None:
    seen = {**CLAUDE, "projects": {str(worktree): {"hasTrustDialogAccepted": False, "x": 1}}}
    config = write_claude(home, seen)
    record_trust(spec("claude"), worktree, {"HOME": str(home)})
    assert json.loads(config.read_text())["projects"] == {
        str(worktree): {"hasTrustDialogAccepted": True, "x": 1}
    }
    before = config.stat()
    record_trust(spec("claude"), worktree, {"HOME": str(home)})
    after = config.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_claude_config_is_made_when_there_is_none_and_follows_claude_config_dir(
    home: Path, worktree: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "claude-dir"
    elsewhere.mkdir()
    record_trust(spec("claude", CLAUDE_CONFIG_DIR=str(elsewhere)), worktree, {"HOME": str(home)})
    assert not (home / ".claude.json").exists()
    made = elsewhere / ".claude.json"
    assert json.loads(made.read_text()) == {
        "projects": {str(worktree): {"hasTrustDialogAccepted": True}}
    }
    assert made.stat().st_mode & 0o777 == 0o600


def test_a_linked_config_is_written_through_the_link(
    home: Path, worktree: Path, tmp_path: Path
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = write_claude(dotfiles, CLAUDE)
    (home / ".claude.json").symlink_to(real)
    record_trust(spec("claude"), worktree, {"HOME": str(home)})
    assert (home / ".claude.json").is_symlink()
    assert str(worktree) in json.loads(real.read_text())["projects"]


def test_codex_config_gets_the_worktree_table_appended_and_every_line_kept(
    home: Path, worktree: Path
) -> None:
    config = home / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text(CODEX)
    record_trust(spec("codex"), worktree, {"HOME": str(home)})
    text = config.read_text()
    assert text == CODEX + f'\n\n[projects."{worktree}"]\ntrust_level = "trusted"\n'
    data = tomllib.loads(text)
    assert data["projects"].pop(str(worktree)) == {"trust_level": "trusted"}
    assert data == tomllib.loads(CODEX)
    record_trust(spec("codex"), worktree, {"HOME": str(home)})
    assert config.read_text() == text


def test_codex_table_without_a_level_gets_the_key_under_its_header(
    home: Path, worktree: Path
) -> None:
    config = home / "codex-home" / "config.toml"
    config.parent.mkdir()
    original = f"[projects.'{worktree}']  # mine\n\n[tui]\nx = 1\n"
    config.write_text(original)
    record_trust(spec("codex", CODEX_HOME=str(config.parent)), worktree, {"HOME": str(home)})
    assert config.read_text() == (
        f"[projects.'{worktree}']  # mine\ntrust_level = \"trusted\"\n\n[tui]\nx = 1\n"
    )
    assert not (home / ".codex").exists()


def test_codex_config_and_folder_are_made_when_there_are_none(home: Path, worktree: Path) -> None:
    record_trust(spec("codex"), worktree, {"HOME": str(home)})
    text = (home / ".codex" / "config.toml").read_text()
    assert tomllib.loads(text) == {"projects": {str(worktree): {"trust_level": "trusted"}}}


def test_a_trust_level_the_person_chose_is_kept_and_said(
    home: Path, worktree: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = home / ".codex" / "config.toml"
    config.parent.mkdir()
    original = f'[projects."{worktree}"]\ntrust_level = "untrusted"\n'
    config.write_text(original)
    with caplog.at_level(logging.WARNING):
        record_trust(spec("codex"), worktree, {"HOME": str(home)})
    assert config.read_text() == original
    assert "trust_level = 'untrusted'" in caplog.text and "a1" in caplog.text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".claude.json", '{"oauthAccount": {"emailAddress": "ada@example.com"},'),
        (".claude.json", '["not", "an", "object"]'),
        (".claude.json", '{"projects": ["/x"]}'),
        (".codex/config.toml", 'model = "gpt-5"\n[projects\n'),
        (".codex/config.toml", 'projects = "none"\n'),
        (".codex/config.toml", 'projects = { "/elsewhere" = { trust_level = "trusted" } }\n'),
    ],
)
def test_a_config_that_cannot_be_parsed_or_extended_is_left_alone(
    home: Path, worktree: Path, caplog: pytest.LogCaptureFixture, name: str, text: str
) -> None:
    config = home / name
    config.parent.mkdir(exist_ok=True)
    config.write_text(text)
    command = "claude" if name == ".claude.json" else "codex"
    with caplog.at_level(logging.WARNING):
        record_trust(spec(command), worktree, {"HOME": str(home)})
    assert config.read_text() == text
    assert "left as it is" in caplog.text and str(config) in caplog.text
    assert sorted(p.name for p in config.parent.iterdir()) == [config.name]


def test_other_kinds_touch_nothing(home: Path, worktree: Path) -> None:
    for command in ("bash", "orgtui", "/usr/bin/python3"):
        record_trust(spec(command), worktree, {"HOME": str(home)})
    assert list(home.iterdir()) == []


def test_a_held_lock_is_waited_for_and_a_dead_one_taken_over(home: Path, worktree: Path) -> None:
    config = write_claude(home, CLAUDE)
    lock = Path(f"{config}.lock")
    lock.mkdir()  # a live writer (Claude Code itself) holds it
    done = threading.Event()
    writer = threading.Thread(
        target=lambda: (trust.trust_claude(config, [str(worktree)]), done.set())
    )
    writer.start()
    time.sleep(0.5)
    assert not done.is_set() and str(worktree) not in config.read_text()
    lock.rmdir()
    writer.join(5)
    assert done.is_set() and str(worktree) in json.loads(config.read_text())["projects"]

    lock.mkdir()  # left by a writer that died long ago
    os.utime(lock, (time.time() - 60, time.time() - 60))
    assert trust.trust_claude(config, ["/another"])
    assert not lock.exists()


def test_a_lock_held_too_long_leaves_the_file_alone(
    home: Path, worktree: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_claude(home, CLAUDE)
    Path(f"{config}.lock").mkdir()
    monkeypatch.setattr(trust, "LOCK_WAIT", 0.3)
    with caplog.at_level(logging.WARNING):
        record_trust(spec("claude"), worktree, {"HOME": str(home)})
    assert json.loads(config.read_text()) == CLAUDE
    assert "held by another writer" in caplog.text


WRITER = """
import sys
from pathlib import Path
from orgtui.agents import trust
home, first = Path(sys.argv[1]), int(sys.argv[2])
for n in range(first, first + 5):
    trust.trust_claude(home / ".claude.json", [f"/wt/{n}"])
    trust.trust_codex(home / ".codex" / "config.toml", [f"/wt/{n}"])
"""


def test_writers_at_once_lose_nothing(home: Path) -> None:
    """Six processes (orgds of several orgs) each trust five worktrees in both files at once."""
    config = write_claude(home, CLAUDE)
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(home), str(first)])
        for first in range(0, 30, 5)
    ]
    assert [p.wait(60) for p in procs] == [0] * 6
    projects = json.loads(config.read_text())["projects"]
    assert set(projects) == {"/home/ada/work", *(f"/wt/{n}" for n in range(30))}
    codex = tomllib.loads((home / ".codex" / "config.toml").read_text())
    assert set(codex["projects"]) == {f"/wt/{n}" for n in range(30)}
