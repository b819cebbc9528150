"""`orgtui up`: check the org, then start orgd (or find it running) under the runtime lock.

Two `up`s at once start one orgd: the second waits on the lock and then finds orgd answering.
Before starting one, `up` removes the runtime folders of dead orgs (this one's included).
orgd runs in its own session (setsid) with umask 077 and its output in `<workdir>/logs/orgd.log`.

Nothing under the work dir is for other users: it is made 0700, and `close_workdir` (run by
orgd as it starts) takes group and other bits off everything under a work dir that an older
orgtui left open.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from orgtui.config import ConfigError, OrgConfig, load_org
from orgtui.config.locate import locate
from orgtui.config.runtime import OrgRuntime, org_runtime, remove_dead
from orgtui.protocol.client import answers
from orgtui.scheduler import slurm_cluster
from orgtui.workspace import WorkspaceError, check_repo

START_TIMEOUT = 30.0
PRIVATE_UMASK = 0o077
"""orgd's umask, and so that of everything it starts: git, tmux, the agents, the jobs."""


class UpError(Exception):
    """orgd could not be started; the message says why (with its log's last lines)."""


@dataclass(frozen=True)
class UpResult:
    cfg: OrgConfig
    rt: OrgRuntime
    started: bool
    """True if this call started orgd; False if it was already running."""


def check_workdir(workdir: Path) -> None:
    """Refuse a work dir (or its nearest existing parent) that other users can write."""
    path = workdir
    while not path.exists():
        path = path.parent
    mode = path.stat().st_mode
    if path == workdir and mode & 0o022 and not mode & stat.S_ISVTX:
        raise WorkspaceError(
            f"{workdir}: the work dir is writable by other users: `chmod go-w {workdir}`"
        )


def check_org_repo(cfg: OrgConfig) -> None:
    """The repo and base branch exist; if not, a ConfigError at the `repo` or `base` value of
    the org file (at `[org]` when `base` was left to its default)."""
    try:
        check_repo(cfg.org.repo, cfg.org.base, cfg.org.program)
    except WorkspaceError as e:
        if e.key is None:
            raise
        where = locate(cfg.file.read_text())
        path = ("org", e.key)
        pos = where.value(path) if path in where.values else where.table(("org",))
        raise ConfigError(cfg.file, pos.line, pos.col, str(e)) from None


def check_cluster(cfg: OrgConfig) -> None:
    """`backend = "slurm"`: sbatch is there, the partition exists, its nodes see shared_dir,
    and each agent's `gpus` fits on one of its nodes; if not, a ConfigError at the setting's
    value in the org file."""
    sched = cfg.scheduler
    if sched.backend != "slurm" or sched.shared_dir is None:
        return
    try:
        name = slurm_cluster.check(sched.shared_dir, sched.slurm.partition)
        refused = slurm_cluster.agents_refusal(cfg, slurm_cluster.devices(name)[0], name)
    except slurm_cluster.ClusterError as e:
        where = locate(cfg.file.read_text())
        path = ("scheduler", "slurm", e.key) if e.key == "partition" else ("scheduler", e.key)
        pos = where.value(path) if path in where.values else where.table(("scheduler",))
        raise ConfigError(cfg.file, pos.line, pos.col, str(e)) from None
    if refused is not None:
        raise refused


def daemon_env() -> dict[str, str]:
    """orgd's environment: this one without any agent's ORGTUI_* variables, so `down` never
    mistakes orgd (or the tmux server it starts) for an agent's leftover."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ORGTUI_") and k not in ("TMUX", "TMUX_PANE")
    }


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def up(org_file: Path) -> UpResult:
    """Start or re-adopt the org. Raises ConfigError / WorkspaceError (bad input) or UpError."""
    cfg = load_org(org_file)
    rt = org_runtime(cfg.org.name, cfg.file).ensure()
    if answers(rt.orgd_sock):
        return UpResult(cfg, rt, started=False)
    check_org_repo(cfg)
    check_workdir(cfg.org.workdir)
    check_cluster(cfg)
    with rt.locked():
        if answers(rt.orgd_sock):
            return UpResult(cfg, rt, started=False)
        remove_dead()  # other orgs': this one's lock is held, so its folder stays
        if rt.dead():
            rt.clear()
        _start(cfg, rt)
        return UpResult(cfg, rt, started=True)


def _start(cfg: OrgConfig, rt: OrgRuntime) -> None:
    stale = rt.daemon_pid()
    if stale is not None:
        raise UpError(
            f"orgd (pid {stale}) is alive but does not answer on {rt.orgd_sock}; "
            f"stop it with `kill {stale}` and run up again"
        )
    workdir = cfg.org.workdir
    if not workdir.exists():
        workdir.parent.mkdir(parents=True, exist_ok=True)
        workdir.mkdir(mode=0o700, exist_ok=True)
    logs = workdir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    log_path = logs / "orgd.log"
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open(fd, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orgtui.daemon", str(cfg.file)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env=daemon_env(),
            cwd="/",
            umask=PRIVATE_UMASK,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise UpError(f"orgd exited with status {proc.returncode}:\n{_log_tail(log_path)}")
        if answers(rt.orgd_sock, timeout=0.5):
            return
        time.sleep(0.02)
    raise UpError(f"orgd did not answer within {START_TIMEOUT:g}s:\n{_log_tail(log_path)}")


@dataclass(frozen=True)
class Closed:
    """What `close_workdir` changed: the work dir's mode before, and the paths under it (relative)
    whose group and other bits it took off; `failed` could not be changed (another owner)."""

    was: int
    paths: list[str]
    failed: list[str]

    def describe(self, workdir: Path, shown: int = 20) -> str:
        names = sorted(self.paths)
        more = f" and {len(names) - shown} more" if len(names) > shown else ""
        now = self.was & ~0o077
        text = (
            f"tightened {workdir} (was {self.was:04o}, now {now:04o}) and {len(names)} files "
            f"and folders under it, no longer open to other users: "
            f"{', '.join(names[:shown])}{more}"
        )
        if self.failed:
            text += f"; could not tighten: {', '.join(sorted(self.failed)[:shown])}"
        return text


def close_workdir(workdir: Path) -> Closed | None:
    """Make the work dir 0700 and take group and other bits off everything under it, if the
    work dir was open to other users (a 0700 work dir already shuts them out of all of it, so
    then this costs one stat). Links are not followed: what they point to is not the org's."""
    try:
        mode = stat.S_IMODE(workdir.lstat().st_mode)
    except FileNotFoundError:
        return None
    if not mode & 0o077:
        return None
    # The work dir first: from here on nothing under it is reachable by others.
    workdir.chmod(mode & ~0o077)
    paths: list[str] = []
    failed: list[str] = []
    folders = [workdir]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                folders.append(Path(entry.path))
            if st.st_mode & 0o077:
                rel = os.path.relpath(entry.path, workdir)
                try:
                    os.chmod(entry.path, stat.S_IMODE(st.st_mode) & ~0o077)
                    paths.append(rel)
                except OSError:
                    failed.append(rel)
    return Closed(mode, paths, failed)
