"""Prompt and brief values: inline text, or a file named relative to the org file.

The rule (`names_file`): a value names a file when it is one line and either ends in `.md` or
`.txt` (any case), or contains a `/` and no whitespace. Everything else is the text itself.
So `"prompts/solo.md"`, `"notes.txt"` and `"prompts/solo"` are files, and
`"You are a careful researcher."` or any multi-line string is inline. A file that does not
exist is an error, never silently taken as text.
"""

from __future__ import annotations

import os
from pathlib import Path

from orgtui.config.limits import MAX_TEXT_FILE_BYTES, read_limited
from orgtui.config.tables import Table

_FILE_SUFFIXES = (".md", ".txt")


def names_file(value: str) -> bool:
    """Whether a prompt or brief `value` names a file rather than being the text itself."""
    if "\n" in value or not value.strip():
        return False
    if value.lower().endswith(_FILE_SUFFIXES):
        return True
    return "/" in value and not any(char.isspace() for char in value)


def resolve_path(base: Path, value: str) -> Path:
    """`value` (`~` expanded) as an absolute, normalised path, relative ones against `base`."""
    return Path(os.path.normpath(base / Path(value).expanduser()))


def read_text(table: Table, key: str) -> tuple[str, Path | None]:
    """The text of the prompt or brief at `key` and the file it came from (None if inline).

    Files (regular ones, up to `MAX_TEXT_FILE_BYTES`) are read as UTF-8 and recorded in the context
    (their bytes enter `source_hash`).
    """
    value = table.string(key, "")
    if not names_file(value):
        return value, None
    context = table.context
    path = resolve_path(context.directory, value)
    data = context.files_read.get(path)
    if data is None:
        if not path.exists():
            table.fail(
                key,
                f"{key} file not found: {path} (a {key} ending in .md or .txt, or a path with "
                "'/', is read from a file relative to the org file; write inline text over "
                "several lines)",
            )
        if path.is_dir():
            table.fail(key, f"{key} file is a directory: {path}")
        try:
            data = read_limited(path, f"{key} file", MAX_TEXT_FILE_BYTES)
        except OSError as error:
            table.fail(key, f"cannot read {key} file {path}: {error.strerror}")
        except ValueError as error:
            table.fail(key, f"{error}: {path}")
        context.files_read[path] = data
    try:
        return data.decode("utf-8"), path
    except UnicodeDecodeError:
        table.fail(key, f"{key} file is not UTF-8 text: {path}")
