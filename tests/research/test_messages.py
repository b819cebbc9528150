"""What the built-in researcher makes of the lines typed into its pane (`research/messages.py`):
a standup request gets its file written, a ritual's digest of everyone's answers (delivered
to the chiefs) is read and never overwritten, orgd's notice that the program branch moved
asks for a rebase onto it, orgd's other notices are not notes from a person, other text is."""

from __future__ import annotations

import threading
from pathlib import Path

from orgtui.research.messages import Messages, tries


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, text: str) -> None:
        self.lines.append(text)


class Fake(Messages):
    def __init__(self, tmp: Path) -> None:  # no org: only what the messages need
        self.agent, self.comms, self.tree = "chief", tmp / "comms", tmp / "tree"
        self.screen = Log()  # type: ignore[assignment]
        self.paused, self.lock = threading.Event(), threading.Lock()
        self.current = "following the juniors"
        self.rebased: list[str] = []

    def summary(self) -> str:
        return "3 juniors"

    def rebase_later(self, program: str) -> None:
        self.rebased.append(program)


def test_a_standup_request_is_answered_and_a_digest_is_only_read(tmp_path: Path) -> None:
    me = Fake(tmp_path)
    answer = tmp_path / "comms" / "standup" / "2025-01-01" / "chief.md"
    me.handle(f"Standup: write done / next / blocked to {answer}")
    assert answer.read_text().startswith("# chief\n\nnow: following the juniors\n")
    digest = tmp_path / "comms" / "standup" / "2025-01-01.md"
    digest.write_text("the digest")
    me.handle(f"# standup 2025-01-01: 3 of 4 answered (in {digest}). No answer from: j3.\n\n"
              "## j1\n\ndone: lr=0.02 (standup)\n")  # fmt: skip
    assert digest.read_text() == "the digest"
    assert me.screen.lines[-1] == (  # type: ignore[attr-defined]
        f"digest: standup 2025-01-01: 3 of 4 answered (in {digest}). No answer from: j3."
    )


def test_orgds_notices_are_not_notes_and_a_moved_program_asks_for_a_rebase(
    tmp_path: Path,
) -> None:
    me = Fake(tmp_path)
    me.handle("orgtui: program/demo moved to 1234abcd: promotion 1 merged group 5 (j1: j1: "
              "lr=0.02), verified: better. Rebase your branch onto it: git rebase program/demo")  # fmt: skip
    me.handle("orgtui: group 7 (j1: lr=0.1) ended: better")
    assert me.rebased == ["program/demo"]
    assert not (tmp_path / "comms" / "notes").exists()
    me.handle("remember the lr sweep")
    assert "remember the lr sweep" in (tmp_path / "comms" / "notes" / "chief.md").read_text()


def test_try_lines_are_read_in_order() -> None:
    assert tries("try lr=0.1\nplease try softcap=0.0 cooldown=0.5 soon\ntry") == [
        ("lr", "0.1"), ("softcap", "0.0"), ("cooldown", "0.5"),
    ]  # fmt: skip
