"""What `orgtui eval` runs: a copy of an org file on a throwaway clone of its research repo,
so that the user's repository, its branches and any running org are never touched.

- **The source** (`Source`) is made once per research repo, before any run: a mirror clone
  of the repo as eval found it (every branch and tag), or, for an org with `init` whose repo
  does not exist yet, a fresh `orgtui init` under DIR (`--task nanochat --from init_from`
  for `init = "nanochat"`; the user's `repo` is not made; every such org of one eval made
  from one task and clone shares it, so they all start from one commit). The start commit of each org file is its program branch's head in the
  source if that branch exists, else its `base` (where `up` would start the program branch).
- **A run's repo** is a clone of the source with the org's program branch made at the start
  commit, and no remote (the agents see none of the source's other branches): every run of
  every repeat starts from the same commit, whatever earlier runs merged into their own
  clones.
- **The copy** of the org file is the same TOML with `[org] name` made unique (so it cannot
  collide with a running org), `repo` and `workdir` pointed at the run's folders, `program`
  written out, `init` and `init_from` dropped, and every prompt or brief that names a file,
  and `[research] path`, made absolute (the copy lives elsewhere). Comments are not kept.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgtui.config.model import OrgConfig
from orgtui.config.texts import names_file, resolve_path
from orgtui.workspace.gitcli import run_git

START_BRANCH = "orgtui-eval-start"
"""The branch of a source that holds an org's start commit (each run clones it)."""


class EvalError(Exception):
    """An org file cannot be evaluated (it says why)."""


@dataclass(frozen=True, slots=True)
class Source:
    """A frozen copy of a research repo, under eval's folder."""

    path: Path
    made: bool
    """Made with `orgtui init` (the org's repo did not exist)."""


def _git(cwd: Path, *args: str) -> str:
    done = run_git(cwd, args)
    if not done.ok:
        raise EvalError(f"git {' '.join(args)} in {cwd}: {done.message}")
    return done.stdout.strip()


def make_source(cfg: OrgConfig, folder: Path, env: dict[str, str]) -> Source:
    """A copy of `cfg`'s research repo as it is now, in `folder` (which must not exist)."""
    repo = cfg.org.repo
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not repo.exists():
        if not cfg.org.init:
            raise EvalError(f"the research repo {repo} of {cfg.file} does not exist")
        init = [sys.executable, "-m", "orgtui", "init", str(folder)]
        if cfg.org.init == "nanochat":
            init += ["--task", "nanochat", "--from", str(cfg.org.init_from)]
        done = subprocess.run(init, capture_output=True, text=True, env=env, check=False,
                              stdin=subprocess.DEVNULL)  # fmt: skip
        if done.returncode != 0:
            raise EvalError(f"orgtui init {folder}: {done.stderr.strip() or done.stdout}")
        return Source(folder, made=True)
    _git(folder.parent, "clone", "-q", "--mirror", str(repo), str(folder))
    return Source(folder, made=False)


def start_commit(source: Source, cfg: OrgConfig) -> str:
    """The commit the org's runs start from: its program branch's head in `source`, else its
    base's."""
    org = cfg.org
    found = run_git(source.path, ["rev-parse", "--verify", "--quiet",
                                  f"refs/heads/{org.program}^{{commit}}"])  # fmt: skip
    if found.ok:
        return found.stdout.strip()
    base = run_git(source.path, ["rev-parse", "--verify", "--quiet", f"{org.base}^{{commit}}"])
    if not base.ok:
        raise EvalError(
            f"{cfg.file}: neither the program branch {org.program!r} nor the base "
            f"{org.base!r} exists in {cfg.org.repo}"
        )
    return base.stdout.strip()


def clone_run(source: Source, commit: str, program: str, path: Path) -> None:
    """A fresh clone of `source` at `path` whose program branch is at `commit`."""
    _git(source.path, "update-ref", f"refs/heads/{START_BRANCH}", commit)
    path.parent.mkdir(parents=True, exist_ok=True)
    _git(path.parent, "clone", "-q", "--branch", START_BRANCH, str(source.path), str(path))
    if program != START_BRANCH:
        _git(path, "branch", "--no-track", "-f", program, commit)
    # Only what the org starts from: no remote, so none of the source's other branches.
    _git(path, "remote", "remove", "origin")


# -- the org file's copy ------------------------------------------------------------------


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes (TOML has the same), and DEL escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(name: str) -> str:
    bare = name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    return name if bare else _string(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise EvalError(f"cannot copy the org file's value {value!r}")


def _table(lines: list[str], values: dict[str, Any]) -> None:
    lines += [f"{_key(k)} = {_value(v)}" for k, v in values.items()]


def dumps(data: dict[str, Any]) -> str:
    """TOML text for what `tomllib` read: top-level values, then each table (`[name]`), then
    each array of tables (`[[name]]`); a table nested deeper is written inline."""
    lines: list[str] = []
    plain = {k: v for k, v in data.items() if not isinstance(v, dict | list) or
             (isinstance(v, list) and not (v and all(isinstance(x, dict) for x in v)))}  # fmt: skip
    _table(lines, plain)
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{_key(key)}]"]
            _table(lines, value)
    for key, value in data.items():
        if key not in plain and isinstance(value, list):
            for item in value:
                lines += ["", f"[[{_key(key)}]]"]
                _table(lines, item)
    return "\n".join(lines).lstrip("\n") + "\n"


def _absolute(table: dict[str, Any], key: str, directory: Path) -> None:
    value = table.get(key)
    if isinstance(value, str) and names_file(value):
        table[key] = str(resolve_path(directory, value))


def org_copy(cfg: OrgConfig, name: str, repo: Path, workdir: Path) -> str:
    """The text of `cfg`'s org file as a run of it under another name, on `repo` and
    `workdir` (see the module's docstring)."""
    data = tomllib.loads(cfg.file.read_text())
    directory = cfg.file.parent
    org = data["org"]
    org.update(name=name, repo=str(repo), workdir=str(workdir), program=cfg.org.program)
    org.pop("init", None)
    org.pop("init_from", None)
    _absolute(org, "brief", directory)
    research = data.get("research")
    if isinstance(research, dict) and research.get("path"):
        research["path"] = [str(p) for p in cfg.research.path]
    roles = data.get("roles")
    tables = [data.get("defaults"), *(data.get("agent") or [])]
    tables += list(roles.values()) if isinstance(roles, dict) else []
    for table in tables:
        if isinstance(table, dict):
            _absolute(table, "prompt", directory)
            for key in ("skills", "tools"):  # folders and files beside the org file
                if isinstance(table.get(key), list):
                    table[key] = [str(resolve_path(directory, v)) for v in table[key]]
    return dumps(data)


def clean_env() -> dict[str, str]:
    """The environment eval runs orgtui in: no org or agent of the caller's (eval may run in
    an agent's pane), and no tmux client of theirs."""
    drop = ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE")
    return {k: v for k, v in os.environ.items() if k not in drop}
