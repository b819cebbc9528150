"""Readers for an agent's org code beyond its prompt: `skills`, `tools`, `setup` and `copy`.

A skill is a folder (relative to the org file) holding a `SKILL.md` whose front matter has a
`name`, which must be the folder's name (as the Agent Skills format asks), and a
`description`; the folder's files are read whole (at most `MAX_SKILL_FILES` of them, each at
most `MAX_TEXT_FILE_BYTES`) and hashed, so that a change to any of them changes the org's
`source_hash` and re-installs the skill. A tool is one file (relative to the org file), put
on the agent's PATH under its file name. `copy` names files or folders relative to the
research repository, inside it. Every problem is raised at the offending item.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import NoReturn

from orgtui.config.limits import MAX_TEXT_FILE_BYTES, read_limited
from orgtui.config.model import Skill, Tool
from orgtui.config.tables import Table, describe
from orgtui.config.texts import resolve_path

SKILL_FILE = "SKILL.md"
MAX_SKILL_FILES = 200
"""The most files one skill folder may hold."""
SKIPPED = ("__pycache__", ".git", ".orgtui")
"""Names never installed with a skill: caches, a repository, orgtui's own marker."""
_SKILL_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_EDITOR_LEFTOVER = re.compile(r"\..*\.sw[a-p]|.*~|#.*#|\.DS_Store|.*\.pyc")
"""An editor's swap or backup file, or bytecode: never part of a skill."""
_BLOCK = ("|", ">", "|-", ">-", "|+", ">+")


def front_matter(text: str) -> dict[str, str] | None:
    """The `key: value` lines between a leading `---` and the next, or None without them.

    Enough YAML for SKILL.md: plain and quoted scalars, a plain scalar continued on indented
    lines, and `|` / `>` blocks; nested values are kept as their text."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    found: dict[str, str] = {}
    key: str | None = None
    block: list[str] | None = None
    for line in lines[1:]:
        if line.strip() == "---":
            if key is not None and block is not None:
                found[key] = " ".join(block)
            return found
        item = re.match(r"([A-Za-z_][\w-]*)\s*:(?:\s+(.*)|$)", line)
        if item is not None:
            if key is not None and block is not None:
                found[key] = " ".join(block)
            key, value = item.group(1), (item.group(2) or "").strip()
            block = [] if value in _BLOCK else None
            found[key] = "" if block is not None else _unquote(value)
        elif key is not None and line[:1].isspace() and line.strip():
            if block is not None:
                block.append(line.strip())
            else:
                found[key] = f"{found[key]} {line.strip()}".strip()
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def _strings(table: Table, key: str) -> list[str]:
    """A list of non-empty strings at `key` (here or in a fallback), or [] when not set."""
    if not table.has(key):
        return []
    value = table.raw(key)
    if not isinstance(value, list):
        table.fail(key, f"'{key}' must be a list of strings, not {describe(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            shown = "empty" if isinstance(item, str) else describe(item)
            _fail_item(table, key, index, f"each item of '{key}' must be a path, not {shown}")
    return value


def _fail_item(table: Table, key: str, index: int, message: str) -> NoReturn:
    table.context.fail((*table.path_of(key), index), message)


def read_skills(table: Table) -> tuple[Skill, ...]:
    """The skills at `skills`, each read and checked."""
    skills: list[Skill] = []
    for index, value in enumerate(_strings(table, "skills")):
        skill = _read_skill(table, index, resolve_path(table.context.directory, value))
        if any(s.name == skill.name for s in skills):
            _fail_item(table, "skills", index, f'skill "{skill.name}" is listed twice')
        skills.append(skill)
    return tuple(skills)


def _read_skill(table: Table, index: int, folder: Path) -> Skill:
    def fail(message: str) -> NoReturn:
        _fail_item(table, "skills", index, message)

    if not folder.is_dir():
        fail(f"skill folder not found: {folder} (a skill is a folder holding a {SKILL_FILE}, "
             "relative to the org file)")  # fmt: skip
    if not (folder / SKILL_FILE).is_file():
        fail(f"skill folder {folder} has no {SKILL_FILE}")
    files = _read_folder(table, index, folder)
    try:
        text = files[SKILL_FILE][1].decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{folder / SKILL_FILE} is not UTF-8 text")
    meta = front_matter(text)
    if meta is None:
        fail(f"{folder / SKILL_FILE} has no front matter: start it with `---`, `name: "
             f"{folder.name}`, `description: ...` and `---`")  # fmt: skip
    assert meta is not None
    name, description = meta.get("name", ""), meta.get("description", "")
    if name != folder.name:
        why = f'its name is "{name}"' if name else "it has no name"
        fail(f"{folder / SKILL_FILE}: {why}; a skill's name is its folder's: name: {folder.name}")
    if not _SKILL_NAME.fullmatch(name) or len(name) > 64:
        fail(f'skill name "{name}" must be lowercase letters, digits and single "-" (at most '
             "64 characters)")  # fmt: skip
    if not description.strip():
        fail(f"{folder / SKILL_FILE} has no description: say when the skill is used")
    digest = hashlib.sha256()
    for relative, (mode, data) in sorted(files.items()):
        digest.update(f"{relative}\0{mode:o}\0{len(data)}\0".encode())
        digest.update(data)
    table.context.files_read[folder] = digest.hexdigest().encode()
    return Skill(name, " ".join(description.split()), folder, tuple(sorted(files)),
                 digest.hexdigest())  # fmt: skip


def _read_folder(table: Table, index: int, folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under `folder` but `SKIPPED` ones: relative path -> (mode, bytes)."""
    found: dict[str, tuple[int, bytes]] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        for name in sorted(names):
            if name in SKIPPED or _EDITOR_LEFTOVER.fullmatch(name):
                continue
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            if len(found) >= MAX_SKILL_FILES:
                _fail_item(table, "skills", index,
                           f"skill folder {folder} holds more than {MAX_SKILL_FILES} files")  # fmt: skip
            try:
                mode = os.stat(path).st_mode
                if not stat.S_ISREG(mode):
                    raise ValueError(f"{path} is not a regular file")
                data = read_limited(path, "skill file", MAX_TEXT_FILE_BYTES)
            except OSError as error:
                _fail_item(table, "skills", index, f"cannot read {path}: {error.strerror}")
            except ValueError as error:
                _fail_item(table, "skills", index, f"{error}: {path}")
            found[relative] = (stat.S_IMODE(mode) & 0o111, data)
    return found


def read_tools(table: Table) -> tuple[Tool, ...]:
    """The tools at `tools`, each a file read and hashed."""
    tools: list[Tool] = []
    for index, value in enumerate(_strings(table, "tools")):
        path = resolve_path(table.context.directory, value)
        name = path.name
        if name == "orgtui":
            _fail_item(table, "tools", index, "a tool cannot be called orgtui: that command is "
                       "orgtui's own")  # fmt: skip
        if any(t.name == name for t in tools):
            _fail_item(table, "tools", index, f'two tools are called "{name}": a tool is put '
                       "on the PATH under its file's name")  # fmt: skip
        if not path.is_file():
            what = "is not a file" if path.exists() else "not found"
            _fail_item(table, "tools", index, f"tool {what}: {path} (relative to the org file)")
        data = table.context.files_read.get(path)
        if data is None:
            try:
                data = read_limited(path, "tool file", MAX_TEXT_FILE_BYTES)
            except OSError as error:
                _fail_item(table, "tools", index, f"cannot read {path}: {error.strerror}")
            except ValueError as error:
                _fail_item(table, "tools", index, f"{error}: {path}")
            assert data is not None
            table.context.files_read[path] = data
        tools.append(Tool(name, path, hashlib.sha256(data).hexdigest()))
    return tuple(tools)


def read_copy(table: Table) -> tuple[str, ...]:
    """The paths at `copy`: relative to the repository, and inside it."""
    paths: list[str] = []
    for index, value in enumerate(_strings(table, "copy")):
        path = PurePosixPath(value)
        parts = [p for p in path.parts if p != "."]
        if path.is_absolute() or value.startswith("~"):
            _fail_item(table, "copy", index, f"'copy' paths are relative to the repository, "
                       f'not absolute: "{value}"')  # fmt: skip
        if ".." in parts or not parts or parts[0] == ".git":
            _fail_item(table, "copy", index, f'"{value}" is not a path inside the repository')
        paths.append("/".join(parts))
    return tuple(dict.fromkeys(paths))


def read_setup(table: Table) -> str | None:
    """The `setup` command line, or None when not set."""
    setup = table.optional_string("setup")
    if setup is not None and not setup.strip():
        table.fail("setup", "'setup' is empty: give the command to run in a new worktree")
    return setup
