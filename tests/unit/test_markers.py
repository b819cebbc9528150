"""Readiness on real Claude Code and Codex screens (tests/data/screens/, recorded from the real
CLIs against a slow stand-in API): working, at its prompt, or asking a person; the
quiet-screen rule for a screen with no marker, and the org file's `ready` overriding the
kind's table; and what `status` calls each (busy, idle, waiting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.agents.delivery import readiness
from orgtui.agents.lifecycle import IDLE_AFTER, AgentLife
from orgtui.agents.markers import TABLES, read_screen, table_for

SCREENS = Path(__file__).parent.parent / "data" / "screens"
RECORDED = sorted(p for p in SCREENS.iterdir() if p.is_dir())
WORKING = ("busy", "busy-later")
ASKING = ("permission", "trust")
AT_PROMPT = ("ready", "done")


def screen(folder: Path, state: str) -> list[str]:
    return (folder / f"{state}.txt").read_text().split("\n")


def kind(folder: Path) -> str:
    return folder.name.split("-")[0]


def test_every_kind_and_state_was_recorded() -> None:
    assert {kind(f) for f in RECORDED} == {"claude", "codex"}
    for folder in RECORDED:
        states = {p.stem for p in folder.glob("*.txt")}
        assert {*WORKING, "permission", *AT_PROMPT} <= states, folder.name
        assert f"`{folder.name}/busy.txt`" in (SCREENS / "README.md").read_text()


@pytest.mark.parametrize("folder", RECORDED, ids=lambda p: p.name)
def test_recorded_screens_read_as_the_cli_meant(folder: Path) -> None:
    table = TABLES[kind(folder)]
    for state in (*WORKING, *ASKING, *AT_PROMPT):
        if not (folder / f"{state}.txt").exists():
            continue
        rows = screen(folder, state)
        quiet = readiness(rows, False, 30.0, None, markers=table)  # however long it was still
        if state in WORKING:
            assert read_screen(rows, table) == "working", state
            assert not quiet.ready and quiet.reason == "it is working (its screen says so)"
        elif state in ASKING:
            assert read_screen(rows, table) == "person", state
            assert not quiet.ready and "waits for a person" in quiet.reason
        else:
            assert read_screen(rows, table) == "input", state
            assert quiet.ready, state
            # At its prompt, but printing a moment ago: the quiet-screen rule still holds.
            assert not readiness(rows, False, 0.2, None, markers=table).ready


def test_codex_streaming_an_answer_is_not_ready_while_it_prints() -> None:
    # Codex shows no "Working" line while the words arrive, only its prompt below them.
    rows = screen(SCREENS / "codex-0.171.0", "streaming")
    table = TABLES["codex"]
    assert read_screen(rows, table) == "input"
    assert readiness(rows, False, 0.0, None, markers=table).reason.startswith("it is still")


def test_a_screen_with_no_marker_falls_back_to_the_quiet_screen_rule() -> None:
    bash = ["user@host:~/work$ ls", "train.py", "user@host:~/work$ ", *[""] * 21]
    table = TABLES["claude"]
    assert read_screen(bash, table) is None
    assert readiness(bash, False, 1.5, None, markers=table).ready
    assert not readiness(bash, False, 0.5, None, markers=table).ready
    # A shell agent has no table: words that would be Claude Code's marker mean nothing.
    talk = ["$ echo 'esc to interrupt'", "esc to interrupt", "$ "]
    assert table_for("shell", None) is None
    assert readiness(talk, False, 1.5, None, markers=table_for("shell", None)).ready


def test_the_org_files_ready_pattern_replaces_the_kinds_table() -> None:
    busy = screen(SCREENS / "codex-0.171.0", "busy")
    assert table_for("codex", "^› ") is None
    assert readiness(busy, False, 2.0, "^› ", markers=table_for("codex", "^› ")).ready
    ready = screen(SCREENS / "codex-0.171.0", "ready")
    said = readiness(ready, False, 2.0, "^READY>", markers=table_for("codex", "^READY>"))
    assert not said.ready and "ready pattern" in said.reason


@pytest.mark.parametrize("folder", RECORDED, ids=lambda p: p.name)
def test_status_says_what_the_screen_says(folder: Path) -> None:
    table = TABLES[kind(folder)]
    life = AgentLife("no", state="running")
    now = 1000.0
    for printed, mark_of, expected in (
        (now - 60, "busy", "busy"),  # still for a minute, but working: busy, not idle
        (now, "busy-later", "busy"),  # the spinner moved this second: busy
        (now - 60, "permission", "waiting"),
        (now, "permission", "waiting"),
        (now - 60, "done", "idle"),
        (now, "done", "busy"),  # at its prompt, printing right now: the quiet rule
    ):
        life.activity = printed
        life.mark = read_screen(screen(folder, mark_of), table)
        assert life.activity_state(now)[0] == expected, (mark_of, printed)
    life.mark, life.activity = None, now - IDLE_AFTER
    assert life.activity_state(now)[0] == "idle"
