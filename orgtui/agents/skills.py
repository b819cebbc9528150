"""An agent's skills and tools, installed where its CLI reads them.

Skills are copied into the agent's worktree: Claude Code reads `.claude/skills/<name>/`;
every other kind gets `.agents/skills/<name>/`, which its `AGENTS.md` lists with each skill's
description (`agents.prompts`). Each installed folder holds a `.orgtui` marker: a folder with
it is orgtui's copy (re-synced on every change, removed when the org file no longer names
it), one without it is the repository's or the agent's and is never touched. The installed
folders are kept out of `git status` through the repository's `info/exclude`, and a skill the
repository itself tracks at that place is left alone.

Tools are copied into the agent's own bin folder, `<workdir>/bin/<agent>/`, which holds the
`orgtui` command and that agent's tools only, and comes first on its PATH.

Files are written only when they differ, each through a temporary file renamed into place, so
an agent reading a skill never sees half a file.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orgtui.config.model import AgentSpec, Kind
from orgtui.workspace import ensure_excluded

log = logging.getLogger(__name__)

SKILL_ROOTS = (".claude/skills", ".agents/skills")
"""Where skills are installed in a worktree: Claude Code's, and everyone else's."""
MARKER = ".orgtui"
MARKER_TEXT = (
    "Installed by orgtui from {source}. Edit the org's copy, not this one: orgtui writes this\n"
    "folder again whenever the org's copy changes.\n"
)


def skill_root(kind: Kind) -> str:
    """Where an agent of `kind` finds its skills, relative to its worktree."""
    return SKILL_ROOTS[0] if kind == "claude" else SKILL_ROOTS[1]


def install_skills(spec: AgentSpec, worktree: Path, repo: Path) -> list[str]:
    """Copy the agent's skills into its worktree and remove orgtui's copies of skills it no
    longer has (in either place); the names installed."""
    root = skill_root(spec.kind)
    if spec.skills:
        ensure_excluded(repo, [f"/{root}/{skill.name}/" for skill in spec.skills])
    installed: list[str] = []
    for skill in spec.skills:
        target = worktree / root / skill.name
        if _tracked(worktree, f"{root}/{skill.name}"):
            log.warning("%s: the repository tracks %s/%s; not installing the org's skill there",
                        spec.name, root, skill.name)  # fmt: skip
            continue
        if target.exists() and not (target / MARKER).exists():
            log.warning("%s: %s exists and is not orgtui's; not installing the skill %s",
                        spec.name, target, skill.name)  # fmt: skip
            continue
        sources = {name: skill.folder / name for name in skill.files}
        marker = MARKER_TEXT.format(source=skill.folder).encode()
        _sync(target, sources, {MARKER: marker}, executable_from_source=True)
        installed.append(skill.name)
    wanted = {f"{root}/{name}" for name in installed}
    for other in installed_skills(worktree):
        if other not in wanted:
            shutil.rmtree(worktree / other, ignore_errors=True)
            _remove_empty(worktree / other, worktree)
    return installed


def installed_skills(worktree: Path) -> list[str]:
    """orgtui's skill folders in `worktree` (those with its marker), relative to it."""
    found = []
    for root in SKILL_ROOTS:
        folder = worktree / root
        if folder.is_dir():
            found += [
                f"{root}/{p.name}" for p in sorted(folder.iterdir()) if (p / MARKER).is_file()
            ]
    return found


def uninstall_skills(worktree: Path) -> None:
    """Remove orgtui's skill folders from `worktree` (and the folders they leave empty)."""
    for relative in installed_skills(worktree):
        shutil.rmtree(worktree / relative, ignore_errors=True)
        _remove_empty(worktree / relative, worktree)


def install(spec: AgentSpec, worktree: Path, workdir: Path, repo: Path) -> None:
    """Install the agent's skills into its worktree and its tools into its bin folder."""
    install_skills(spec, worktree, repo)
    install_tools(spec, workdir)


def _remove_empty(path: Path, top: Path) -> None:
    for folder in path.parents:
        if folder == top or top not in folder.parents:
            return
        try:
            folder.rmdir()
        except OSError:
            return


def bin_dir(workdir: Path, agent: str) -> Path:
    """The agent's own bin folder, first on its PATH: `orgtui` and the agent's tools."""
    return workdir / "bin" / agent


def install_tools(spec: AgentSpec, workdir: Path) -> Path:
    """Write the agent's bin folder (0700): the `orgtui` command, running this installation's
    orgtui, and a copy of each of its tools; anything else there is removed. Its path."""
    folder = bin_dir(workdir, spec.name)
    if folder.is_file():  # the one `orgtui` script every agent shared, for an agent so named
        folder.unlink()
    script = f"#!/bin/sh\nexec '{sys.executable}' -m orgtui \"$@\"\n".encode()
    _sync(folder, {tool.name: tool.file for tool in spec.tools}, {"orgtui": script})
    return folder


def _sync(
    target: Path,
    sources: dict[str, Path],
    texts: dict[str, bytes],
    *,
    executable_from_source: bool = False,
) -> None:
    """Make the folder `target` hold exactly `sources` (copies of files) and `texts`: files
    0700 (or 0600 when `executable_from_source` and the source is not executable), folders
    0700, each file rewritten only when its bytes or mode differ."""
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.chmod(0o700)
    wanted: dict[str, tuple[bytes, int]] = {}
    for name, source in sources.items():
        executable = not executable_from_source or os.access(source, os.X_OK)
        wanted[name] = (source.read_bytes(), 0o700 if executable else 0o600)
    for name, data in texts.items():
        wanted[name] = (data, 0o700 if name == "orgtui" else 0o600)
    for name, (data, mode) in wanted.items():
        path = target / name
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        same = path.is_file() and not path.is_symlink() and path.read_bytes() == data
        if same and (path.stat().st_mode & 0o777) == mode:
            continue
        tmp = path.with_name(f".{path.name}.orgtui-tmp")
        tmp.write_bytes(data)
        tmp.chmod(mode)
        tmp.replace(path)
    for root, dirs, names in os.walk(target, topdown=False):
        for name in names:
            path = Path(root) / name
            if path.relative_to(target).as_posix() not in wanted:
                path.unlink()
        for name in dirs:
            with_files = Path(root) / name
            if not any(with_files.iterdir()):
                with_files.rmdir()


def _tracked(worktree: Path, path: str) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(worktree), "ls-files", "--", path], capture_output=True, text=True
    )
    return proc.returncode == 0 and proc.stdout.strip() != ""
