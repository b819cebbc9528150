"""The error every org-file problem is reported as: `file:line:col: message`."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A problem in an org file, at a place in it (line and column are 1-based)."""

    def __init__(self, file: Path | str, line: int, col: int, message: str) -> None:
        self.file = Path(file)
        self.line = line
        self.col = col
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"
