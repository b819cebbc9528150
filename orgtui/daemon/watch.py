"""orgd watches the org file and the prompt, brief, skill and tool files it names, and reloads
on a save (a skill folder's every file and folder: a file added to it is seen too).

It polls their `stat` (and their folders', so a prompt file that a broken version named and
that is created later is seen too) four times a second: a handful of `stat` calls, cheap
beside anything else orgd does, and it works the same with every editor (in place, or a new
file renamed over the old) and on network filesystems, where inotify does not. A change is
read once it has held still for one poll, so a file caught half written is not applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Protocol

from orgtui.config import ConfigError
from orgtui.config.model import OrgConfig

log = logging.getLogger("orgd.watch")
POLL_SECONDS = 0.25


class WatchHost(Protocol):
    """What the watcher needs of orgd."""

    @property
    def cfg(self) -> OrgConfig: ...
    @property
    def stopping(self) -> asyncio.Event: ...
    @property
    def shutting_down(self) -> bool: ...
    async def reload(self) -> object:
        """Apply the saved org file; ConfigError when it does not apply."""


def watched(cfg: OrgConfig) -> list[Path]:
    files = [cfg.file]
    if cfg.org.brief_file is not None:
        files.append(cfg.org.brief_file)
    files += [a.prompt_file for a in cfg.agents if a.prompt_file is not None]
    folders = {f.parent for f in files}
    for skill in dict.fromkeys(s for a in cfg.agents for s in a.skills):
        inside = [skill.folder / name for name in skill.files]
        files += inside
        folders |= {skill.folder, *(f.parent for f in inside)}
    for tool in dict.fromkeys(t for a in cfg.agents for t in a.tools):
        files.append(tool.file)
        folders.add(tool.file.parent)
    return list(dict.fromkeys([*files, *sorted(folders)]))


def signature(paths: list[Path]) -> tuple[tuple[int, int, int] | None, ...]:
    out: list[tuple[int, int, int] | None] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


async def watch(orgd: WatchHost) -> None:
    """Reload the org whenever its files change, until orgd stops."""
    paths = watched(orgd.cfg)
    last, pending = signature(paths), False
    while not orgd.stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(orgd.stopping.wait(), POLL_SECONDS)
        if orgd.shutting_down:
            return
        paths = watched(orgd.cfg)
        now = signature(paths)
        if now != last:
            last, pending = now, True  # read it once it holds still
            continue
        if pending:
            pending = False
            try:
                await orgd.reload()
            except ConfigError:
                pass  # kept in orgd.config_error, and logged
            except Exception:  # the watcher must outlive any one save
                log.exception("reload")
