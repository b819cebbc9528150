"""The built-in researcher's messages: its inbox (`try KEY=VALUE` lines are assignments), the
lines a person types or orgd types into its pane (`status`, `try KEY=VALUE ...`, `pause`,
`resume`, `help`, a standup request, orgd's notices (one that the program branch moved asks
for a rebase onto it); any other text is kept as a note from
the person in `<comms>/notes/<agent>.md`), and the standup file it writes when asked.

What an assignment does and what `status` and a standup say are its role's (`assign`,
`status_lines`, `standup_text`)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from orgtui.research.core import Core

HELP = ("commands: status · try KEY=VALUE [KEY=VALUE ...] · pause · resume · help · "
        "anything else is kept as a note")  # fmt: skip
TRY = re.compile(r"\btry\s+((?:[a-z_][a-z0-9_]*=\S+\s*)+)")
STANDUP_FILE = re.compile(r"(\S+\.md)\b")
DIGEST = re.compile(r"# .*: \d+ of \d+ answered\b")
"""The first line of a collect ritual's digest (delivered to the chiefs)."""
REBASE = re.compile(r"\bgit rebase (\S+?)\.?$", re.M)


def tries(text: str) -> list[tuple[str, str]]:
    """The changes (knob, value) the `try KEY=VALUE ...` lines of `text` ask for, in order."""
    found = []
    for m in TRY.finditer(text):
        for word in m[1].split():
            name, _, value = word.partition("=")
            found.append((name, value))
    return found


class Messages(Core):
    """Its inbox, its typed commands and its standups."""

    def read_inbox(self, start_over: bool = False) -> None:
        """New `try` lines in the inbox (how far it was read is kept beside it, so a
        restarted researcher does not run old assignments again); `start_over`: every one
        of them, whatever was read before."""
        path = self.comms / "inbox" / f"{self.agent}.md"
        seen = path.with_name(f".{self.agent}.read")
        try:
            text = path.read_text()
            done = int(seen.read_text()) if seen.exists() and not start_over else 0
        except (OSError, ValueError):
            return
        if len(text) < done:  # the inbox was cut or replaced: read it again
            done = 0
        for m in TRY.finditer(text[done:]):
            self.assign(m[1], "the inbox")
        seen.write_text(str(len(text)))

    def assign(self, words: str, source: str) -> None:
        """`try KEY=VALUE ...` from `source` (the inbox, or `you`)."""
        raise NotImplementedError

    def rebase_later(self, program: str) -> None:
        """orgd says the program branch moved to a promotion's merge: rebase onto it."""

    def status_lines(self) -> list[str]:
        """What `status` says."""
        return [f"now: {self.current} · {self.summary()}"]

    def standup_text(self) -> str:
        """The standup file's lines after its title."""
        return f"now: {self.current}\nbest: {self.summary()}\nblocked: nothing\n"

    def handle(self, text: str) -> None:
        """A line typed by a person, or a message typed in by the org."""
        text = text.strip()
        if not text:
            return
        word = text.split()[0].lower()
        if word == "help":
            self.screen.log(HELP)
        elif word == "status":
            for line in self.status_lines():
                self.screen.log(line)
        elif word == "pause":
            self.paused.set()
            self.screen.log("paused: no new experiment starts (a running one finishes)")
        elif word == "resume":
            self.paused.clear()
            self.screen.log("resumed")
        elif word == "try" and TRY.search(text):
            self.assign(TRY.search(text)[1], "you")  # type: ignore[index]
        elif DIGEST.match(text):  # a ritual's digest of everyone's answers: read, not written
            self.screen.log(f"digest: {text.splitlines()[0].lstrip('# ')}")
        elif "standup" in text.lower() and self.standup_file(text):
            self.standup(self.standup_file(text))  # type: ignore[arg-type]
        elif text.startswith("orgtui: "):  # orgd's notice: the ledger says it already
            if m := REBASE.search(text):  # the program branch moved (a promotion)
                self.rebase_later(m[1])
        else:
            notes = self.comms / "notes" / f"{self.agent}.md"
            notes.parent.mkdir(parents=True, exist_ok=True)
            with notes.open("a") as f:
                f.write(f"\n## {time.strftime('%Y-%m-%d %H:%M:%S')} · a person\n\n{text}\n")
            self.screen.log(f"noted (in {notes})")

    def standup_file(self, text: str) -> Path | None:
        """The file a standup message asks for: a `.md` path naming this agent (or, failing
        that, one under a `standup` folder); never one of the repository's own files."""
        paths = [m[1] for m in STANDUP_FILE.finditer(text)]
        mine = [p for p in paths if self.agent in Path(p).name] or [
            p for p in paths if "standup" in p.lower()
        ]
        return Path(mine[0]) if mine else None

    def standup(self, path: Path) -> None:
        path = path if path.is_absolute() else self.tree / path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {self.agent}\n\n{self.standup_text()}")
        self.screen.log(f"standup written to {path}")
