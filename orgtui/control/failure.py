"""Why an org stopped on its own: orgd notes it in its runtime folder (`failure`) when the org
broke under it (its tmux server died), so `status` can say so instead of "no such org". orgd
clears the note when it starts; `down` clears it too."""

from __future__ import annotations

import os
from pathlib import Path

NAME = "failure"


def record(folder: Path, why: str) -> None:
    """Note `why` the org stopped (replacing an older note)."""
    tmp = folder / f".{NAME}.tmp"
    tmp.write_text(why + "\n")
    os.replace(tmp, folder / NAME)


def read(folder: Path) -> str | None:
    """The note, or None when the org did not stop on a failure."""
    try:
        return (folder / NAME).read_text().strip() or None
    except OSError:
        return None


def clear(folder: Path) -> None:
    (folder / NAME).unlink(missing_ok=True)
