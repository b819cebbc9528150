"""Folder trust for Claude Code and Codex: an org's worktrees recorded as trusted where each
CLI keeps that, so an agent's first start in a fresh worktree does not stop at a question
nobody is there to answer.

A worktree orgtui makes is a folder neither CLI has seen, and each asks before it works in
one: Claude Code "Is this a project you created or one you trust?", Codex "Trust this
folder?". The person who wrote the org file chose to run the CLI there, so orgtui answers that
one question for the org's own worktrees, in the person's own configuration, as the CLI would
record it:

- Claude Code: `"projects": {"<worktree>": {"hasTrustDialogAccepted": true}}` in
  `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json` when that is set);
- Codex: `[projects."<worktree>"]` with `trust_level = "trusted"` in `~/.codex/config.toml`
  (`$CODEX_HOME/config.toml` when that is set).

Only those keys, for those paths, are written; everything else in the file (the login above
all) is kept as it was, and a file that says nothing new is not written at all. The change is
written atomically (a temporary file renamed over the old one, its mode kept) under the lock
Claude Code itself takes on its configuration (a `<file>.lock` folder, made with `mkdir`), so
orgds, agents and a Claude Code running elsewhere never interleave their writes. A file that
cannot be parsed, or whose shape is not what the CLI writes, is left exactly as it is and orgd's
log says why; a Codex folder the person marked with another trust level keeps it. Nothing
else is answered for the person: permissions stay theirs, in the org file's `command`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

from orgtui.config.model import AgentSpec

log = logging.getLogger(__name__)

LOCK_WAIT = 10.0
"""How long a writer waits for another's lock before it gives up (seconds)."""
LOCK_STALE = 30.0
"""A lock folder untouched this long was left by a process that died (Claude Code's holders
touch theirs every few seconds)."""


class TrustError(Exception):
    """A configuration file orgtui will not change; the message says which and why."""


def record_trust(spec: AgentSpec, worktree: Path, environ: Mapping[str, str] | None = None) -> None:
    """Record `worktree` as trusted for the CLI `spec` runs (Claude Code or Codex; nothing for
    other kinds), in the configuration that CLI will read with the agent's environment
    (`environ`, orgd's own when not given, under the agent's `env`). Never raises: a file left
    alone is a warning in orgd's log, and the CLI then asks its question as it always does."""
    env = {**(os.environ if environ is None else environ), **spec.env}
    paths = trusted_paths(worktree)
    try:
        if spec.kind == "claude":
            config = claude_config(env)
            changed = trust_claude(config, paths)
        elif spec.kind == "codex":
            config = codex_config(env)
            changed = trust_codex(config, paths)
        else:
            return
    except (TrustError, OSError) as e:
        log.warning("%s: its worktree is not recorded as trusted: %s", spec.name, e)
        return
    if changed:
        log.info("%s: recorded %s as trusted in %s", spec.name, worktree, config)


def trusted_paths(worktree: Path) -> list[str]:
    """The paths a CLI may know `worktree` by: as orgtui names it, and resolved (the CLIs key
    their records by the working folder the kernel gives them, with links resolved)."""
    absolute = os.path.abspath(worktree)
    return list(dict.fromkeys([absolute, os.path.realpath(absolute)]))


def claude_config(env: Mapping[str, str]) -> Path:
    """Claude Code's user configuration file for the environment `env`."""
    return Path(env.get("CLAUDE_CONFIG_DIR") or _home(env)) / ".claude.json"


def codex_config(env: Mapping[str, str]) -> Path:
    """Codex's user configuration file for the environment `env`."""
    return Path(env.get("CODEX_HOME") or Path(_home(env)) / ".codex") / "config.toml"


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or str(Path.home())


# -- Claude Code ---------------------------------------------------------------------------


def trust_claude(config: Path, paths: list[str]) -> bool:
    """Set `hasTrustDialogAccepted` for each of `paths` in Claude Code's `config`; whether the
    file changed (TrustError, the file untouched, when it cannot be)."""
    with config_lock(config):
        text = _read(config)
        new = claude_text(text, paths, config)
        if new is None:
            return False
        _write(config, new)
        return True


def claude_text(text: str | None, paths: list[str], where: Path) -> str | None:
    """`text` (a `.claude.json`, None when there is none) with `paths` trusted; None when they
    are already."""
    if text is None:
        data: dict[str, object] = {}
        tail = "\n"
    else:
        try:
            parsed = json.loads(text)
        except ValueError as e:
            raise TrustError(f"{where} is not JSON ({e}): left as it is") from e
        if not isinstance(parsed, dict):
            raise TrustError(f"{where} does not hold a JSON object: left as it is")
        data = parsed
        tail = text[len(text.rstrip()) :]
    projects = data.setdefault("projects", {})
    if not isinstance(projects, dict):
        raise TrustError(f"{where}: its 'projects' is not an object: left as it is")
    changed = False
    for path in paths:
        entry = projects.setdefault(path, {})
        if not isinstance(entry, dict):
            raise TrustError(f"{where}: its project {path!r} is not an object: left as it is")
        if entry.get("hasTrustDialogAccepted") is not True:
            entry["hasTrustDialogAccepted"] = True
            changed = True
    if not changed:
        return None
    # Claude Code writes its configuration as JSON.stringify(config, null, 2) does.
    return json.dumps(data, indent=2, ensure_ascii=False) + tail


# -- Codex ---------------------------------------------------------------------------------


def trust_codex(config: Path, paths: list[str]) -> bool:
    """Set `trust_level = "trusted"` for each of `paths` in Codex's `config`; whether the file
    changed (TrustError, the file untouched, when it cannot be)."""
    config.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with config_lock(config):
        text = _read(config)
        new = codex_text(text or "", paths, config)
        if new is None:
            return False
        _write(config, new)
        return True


def codex_text(text: str, paths: list[str], where: Path) -> str | None:
    """`text` (a Codex `config.toml`) with `paths` trusted, every other line as it was; None
    when they are already. Each path's table is appended, or its key added under the table's
    header; the result is parsed again and must differ from `text` by those keys alone."""
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TrustError(f"{where} is not TOML ({e}): left as it is") from e
    expected = copy.deepcopy(before)
    projects = expected.setdefault("projects", {})
    if not isinstance(projects, dict):
        raise TrustError(f"{where}: its 'projects' is not a table: left as it is")
    new = text
    for path in paths:
        entry = projects.setdefault(path, {})
        if not isinstance(entry, dict):
            raise TrustError(f"{where}: its project {path!r} is not a table: left as it is")
        level = entry.get("trust_level")
        if level == "trusted":
            continue
        if level is not None:
            raise TrustError(
                f"{where}: {path} has trust_level = {level!r}, its user's choice: kept"
            )
        entry["trust_level"] = "trusted"
        new = _add_trust(new, path, before_has=path in before.get("projects", {}))
    if new == text:
        return None
    try:
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError as e:
        raise TrustError(f"{where}: its tables cannot take a new one ({e}): left as it is") from e
    if after != expected:
        raise TrustError(f"{where}: trust cannot be added without changing more: left as it is")
    return new


def _add_trust(text: str, path: str, before_has: bool) -> str:
    line = 'trust_level = "trusted"\n'
    header = f"[projects.{_toml_string(path)}]\n"
    if not before_has:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + ("\n" if text.strip() else "") + header + line
    lines = text.splitlines(keepends=True)
    for index, row in enumerate(lines):
        if row.lstrip().startswith("[") and _names_table(row, path):
            if not row.endswith("\n"):
                lines[index] = row + "\n"
            lines.insert(index + 1, line)
            return "".join(lines)
    return text  # its table has no header of its own (dotted keys): the check refuses


def _names_table(row: str, path: str) -> bool:
    try:
        return tomllib.loads(row) == {"projects": {path: {}}}
    except tomllib.TOMLDecodeError:
        return False


def _toml_string(value: str) -> str:
    """`value` as a TOML basic string (JSON's escapes are TOML's, once DEL is escaped)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


# -- files ---------------------------------------------------------------------------------


@contextlib.contextmanager
def config_lock(config: Path) -> Iterator[None]:
    """Hold `<config>.lock`, the folder Claude Code's own writers make (proper-lockfile): made
    with `mkdir`, which one process alone can do; a folder untouched for LOCK_STALE seconds
    was left by a dead process and is taken over. TrustError after LOCK_WAIT seconds."""
    lock = Path(f"{config}.lock")
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            lock.mkdir(mode=0o700)
            break
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - lock.stat().st_mtime > LOCK_STALE:
                    lock.rmdir()
                    continue
            if time.monotonic() >= deadline:
                raise TrustError(f"{lock} is held by another writer: left as it is") from None
            time.sleep(0.05)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.rmdir()


def _read(config: Path) -> str | None:
    try:
        return config.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as e:
        raise TrustError(f"{config} is not UTF-8 text: left as it is") from e


def _write(config: Path, text: str) -> None:
    """Replace `config`'s contents with `text` at once: a temporary file beside it, renamed
    over it, with its mode (0600 for a new file, as the CLIs make theirs). A link is followed,
    so a configuration kept elsewhere (a dotfiles folder) stays where it is."""
    target = Path(os.path.realpath(config))
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o600
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
