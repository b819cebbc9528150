"""`load_org(path) -> OrgConfig`: read, parse and validate an org file.

Checks, in order: the file is a regular file within the size limit that can be read and is not
writable by group or others (orgd runs the commands it names), it is UTF-8 TOML nested no deeper
than the limit, no key, string, array or table in it is over the limits (`orgtui.config.limits`),
and every section matches the schema in DESIGN.md. The first problem is raised as `ConfigError`
at its `file:line:col`. Nothing here needs the research repo to exist; `up` checks that.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orgtui.config.agents import AGENT_KEYS, read_agents, read_defaults, read_roles
from orgtui.config.errors import ConfigError
from orgtui.config.limits import MAX_FILE_BYTES, check_shape, read_limited, scan
from orgtui.config.locate import KeyPath, locate
from orgtui.config.model import OrgConfig
from orgtui.config.processes import PROCESS_KEYS, read_processes
from orgtui.config.sections import (
    ORG_KEYS,
    RESEARCH_KEYS,
    SCHEDULER_KEYS,
    empty_table,
    read_org,
    read_research,
    read_scheduler,
)
from orgtui.config.tables import Context, Table, describe, suggest

TOP_KEYS = ("org", "research", "defaults", "roles", "agent", "scheduler", "process")
_SECTION_KEYS: Mapping[str, tuple[str, ...]] = {
    "[org]": ORG_KEYS,
    "[research]": RESEARCH_KEYS,
    "[[agent]]": AGENT_KEYS,
    "[scheduler]": SCHEDULER_KEYS,
    "[[process]]": PROCESS_KEYS,
}
_AT_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = " (at end of document)"
_DECLARED_TWICE = re.compile(r"Cannot declare (\(.*\)) twice")


def load_org(path: str | Path) -> OrgConfig:
    """The validated org file at `path`; raises ConfigError naming `file:line:col` on a problem."""
    file = Path(os.path.abspath(path))
    try:
        data = read_limited(
            file, "org file", MAX_FILE_BYTES, ": put long prompts and briefs in files of their own"
        )
    except OSError as error:
        raise ConfigError(file, 1, 1, f"cannot read org file: {error.strerror}") from None
    except ValueError as error:
        raise ConfigError(file, 1, 1, str(error)) from None
    mode = _check_not_writable(file)
    text = _decode(file, data)
    _check_scan(file, text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(file, text, str(error)) from None
    except RecursionError:
        # scan() refuses nesting this deep first; this is never shown as a traceback either.
        raise ConfigError(file, 1, 1, "arrays and inline tables are nested too deeply") from None
    context = Context(file, locate(text))
    check_shape(context, document)
    config = _build(context, document, data)
    if mode & 0o044:
        config = dataclasses.replace(config, warnings=_readable_secrets(context, document))
    return config


def _check_scan(file: Path, text: str) -> None:
    problem = scan(text)
    if problem is not None:
        offset, message = problem
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise ConfigError(file, line, col, message)


def _check_not_writable(file: Path) -> int:
    """The file's mode, once it is known that only its owner can write it."""
    mode = file.stat().st_mode
    if mode & 0o022:
        who = " and ".join(w for w, bit in (("group", 0o020), ("others", 0o002)) if mode & bit)
        raise ConfigError(
            file,
            1,
            1,
            f"org file is writable by {who}, and orgd runs the commands it names: "
            f"run `chmod go-w {file}`",
        )
    return mode


SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|PWD|CREDENTIAL|AUTH|COOKIE|PRIVATE", re.I)
"""An `env` variable whose name says it holds a secret."""


def _readable_secrets(context: Context, document: Mapping[str, Any]) -> tuple[str, ...]:
    """A warning, at the first `env` in the file, when it sets a variable whose name says it
    holds a secret (an API key, a token, a password), for a file other users can read. Plain
    settings (`WANDB_MODE`) are not warned about: the example orgs set them at 0644."""
    found: dict[KeyPath, Mapping[str, object]] = {}
    defaults = document.get("defaults")
    if isinstance(defaults, dict) and isinstance(defaults.get("env"), dict):
        found[("defaults", "env")] = defaults["env"]
    roles = document.get("roles")
    for role, table in (roles or {}).items() if isinstance(roles, dict) else ():
        if isinstance(table, dict) and isinstance(table.get("env"), dict):
            found[("roles", role, "env")] = table["env"]
    for index, agent in enumerate(document.get("agent") or ()):
        if isinstance(agent, dict) and isinstance(agent.get("env"), dict):
            found[("agent", index, "env")] = agent["env"]
    names = sorted({name for env in found.values() for name in env if SECRET_NAME.search(name)})
    if not names:
        return ()
    first = min(
        (
            context.locations.key(path)
            for path, env in found.items()
            if any(SECRET_NAME.search(name) for name in env)
        ),
        key=lambda position: (position.line, position.col),
    )
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return (
        f"{context.file}:{first.line}:{first.col}: warning: other users can read this org "
        f"file, and its 'env' sets variables that look like secrets ({shown}): run "
        f"`chmod go-r {context.file}`",
    )


def _decode(file: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8-sig")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise ConfigError(file, line, col, "org file is not UTF-8 text") from None


def _syntax_error(file: Path, text: str, message: str) -> ConfigError:
    """A ConfigError from tomllib's message, at the place it names (without that suffix)."""
    place = _AT_PLACE.search(message)
    if place is not None:
        line, col = int(place.group(1)), int(place.group(2))
        message = message[: place.start()]
    else:
        message = message.removesuffix(_AT_END)
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
    twice = _DECLARED_TWICE.fullmatch(message)
    if twice is not None:
        message = f"table [{'.'.join(ast.literal_eval(twice.group(1)))}] is declared twice"
    elif message == "Cannot overwrite a value":
        message = "this key is already set: a key may be set only once"
    else:
        return ConfigError(file, line, col, f"invalid TOML: {message}")
    # tomllib points inside the repeated key or table; what repeats starts the line.
    lines = text.splitlines()
    if line <= len(lines):
        col = len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1
    return ConfigError(file, line, col, f"invalid TOML: {message}")


def _build(context: Context, document: dict[str, Any], data: bytes) -> OrgConfig:
    _check_top_keys(context, document)
    org = read_org(context, _section(context, document, "org"))
    research = read_research(
        _section(context, document, "research") or empty_table(context, "research", "[research]")
    )
    defaults = read_defaults(_section(context, document, "defaults"))
    roles = read_roles(_section(context, document, "roles"), defaults)
    roster = read_agents(context, document.get("agent"), defaults, roles)
    scheduler = read_scheduler(
        _section(context, document, "scheduler") or empty_table(context, "scheduler", "[scheduler]")
    )
    processes = read_processes(context, document.get("process"), roster)
    return OrgConfig(
        file=context.file,
        org=org,
        research=research,
        agents=roster.agents,
        scheduler=scheduler,
        processes=processes,
        source_hash=source_hash(data, context.files_read.values()),
    )


def source_hash(org_file: bytes, files_read: Iterable[bytes]) -> str:
    """sha256 hex over the org file's bytes, then each prompt, brief or tool file's and each
    skill folder's digest (length-prefixed)."""
    digest = hashlib.sha256(org_file)
    for data in files_read:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _check_top_keys(context: Context, document: Mapping[str, object]) -> None:
    for key in document:
        if key in TOP_KEYS:
            continue
        homes = [label for label, keys in _SECTION_KEYS.items() if key in keys]
        hint = f"; it belongs under {homes[0]}" if homes else suggest(key, TOP_KEYS)
        context.fail((key,), f"unknown top-level key '{key}'{hint}", at="key")


def _section(context: Context, document: Mapping[str, object], key: str) -> Table | None:
    if key not in document:
        return None
    value = document[key]
    if not isinstance(value, dict):
        context.fail(
            (key,), f"'{key}' must be a table: write [{key}], not {describe(value)}", at="key"
        )
    return Table(context, value, (key,), f"[{key}]")
