"""Where a running org keeps its sockets and pid file, and how commands find running orgs.

`$XDG_RUNTIME_DIR/orgtui/` or else `/tmp/orgtui-<uid>/` (0700, owned by this user, checked as
tmux checks its socket folder), one folder per org: `<name>-<8 hex of the org file's path
hash>/` holding `orgd.sock`, `tmux.sock`, `orgd.pid`, `org.json` (name, file, workdir, repo),
`tmux.conf` and the `lock` that `up` holds while it starts orgd.

A folder lives as long as its org: orgd removes it when it stops for `down`, and `up` removes
the folders of dead orgs (no orgd, no tmux server: killed, crashed) so they never pile up. A
stopped org is then found by its org file (`resolve`). Removing takes the folder's lock without
waiting, so it never pulls the folder from under an `up` that is starting the org; `locked`,
which `up` holds, checks that the lock it got is still the folder's.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import stat
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orgtui.config.errors import ConfigError
from orgtui.config.load import load_org

# What orgtui keeps in an org's folder (the lock last: it guards the rest); a folder holding
# anything else is left in place.
FILES = ("orgd.sock", "orgd.pid", "tmux.sock", "tmux.sock.lock", "tmux.conf", "org.json",
         "org.tmp", "lock")  # fmt: skip


class RuntimeDirError(Exception):
    """The runtime folder is unsafe (another owner, or open to other users)."""


def runtime_root() -> Path:
    """The per-user folder holding one folder per running org."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and Path(xdg).is_dir():
        return Path(xdg) / "orgtui"
    return Path(f"/tmp/orgtui-{os.getuid()}")


def _private_dir(path: Path) -> Path:
    # A file or a dangling link where the folder should be is refused just below.
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise RuntimeDirError(f"{path} is not a folder owned by you: remove it and try again")
    if st.st_mode & 0o077:
        raise RuntimeDirError(f"{path} is open to other users: `chmod 700 {path}`")
    return path


@dataclass(frozen=True)
class OrgRuntime:
    """The runtime folder of one org and the files in it."""

    name: str
    file: Path
    dir: Path

    @property
    def orgd_sock(self) -> Path:
        return self.dir / "orgd.sock"

    @property
    def tmux_sock(self) -> Path:
        return self.dir / "tmux.sock"

    @property
    def pid_file(self) -> Path:
        return self.dir / "orgd.pid"

    @property
    def lock_file(self) -> Path:
        return self.dir / "lock"

    @property
    def info_file(self) -> Path:
        return self.dir / "org.json"

    def ensure(self) -> OrgRuntime:
        """Create the folder (and the root) private to this user."""
        _private_dir(self.dir.parent)
        _private_dir(self.dir)
        return self

    def daemon_pid(self) -> int | None:
        """orgd's pid from the pid file, when that process is alive and is an orgd (a zombie,
        or a reused pid, is not)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            stat_text = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        if stat_text[stat_text.rindex(")") + 2] in "ZX" or b"orgtui.daemon" not in cmdline:
            return None
        return pid

    def dead(self) -> bool:
        """Nothing uses the folder: no orgd runs for the org and nothing listens on its sockets
        (a tmux server whose orgd was killed keeps the agents running: not dead)."""
        return (
            self.daemon_pid() is None
            and not _listening(self.orgd_sock)
            and not _listening(self.tmux_sock)
        )

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock (waiting for it), creating the folder as needed. A lock file
        removed while this waited is no lock: then it takes the folder's new one."""
        while True:
            self.ensure()
            try:
                fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            except FileNotFoundError:  # the folder was removed between ensure and open
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    current = os.stat(self.lock_file).st_ino
                except FileNotFoundError:
                    current = None
                if current == os.fstat(fd).st_ino:
                    yield
                    return
            finally:
                os.close(fd)

    def clear(self) -> None:
        """Remove what a dead org left in the folder (the caller holds its lock, which stays)."""
        for name in FILES[:-1]:
            (self.dir / name).unlink(missing_ok=True)

    def remove(self, patience: float = 0.0) -> bool:
        """Remove the folder if it is dead and no `up` holds its lock; whether it is gone.
        `patience`: seconds to keep trying (a killed tmux server may take a moment to close
        its socket)."""
        deadline = time.monotonic() + patience
        while not self._remove():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _remove(self) -> bool:
        try:
            fd = os.open(self.lock_file, os.O_RDWR)
        except FileNotFoundError:
            fd = None
        except OSError:
            return False
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False
            if not self.dead() or any(p.name not in FILES for p in self.dir.iterdir()):
                return False
            self.clear()
            self.lock_file.unlink(missing_ok=True)
            self.dir.rmdir()
        except FileNotFoundError:
            pass
        except OSError:  # not ours to remove
            return False
        finally:
            if fd is not None:
                os.close(fd)
        return not self.dir.exists()


def _listening(path: Path) -> bool:
    """Whether a server accepts connections on the unix socket `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def org_runtime(name: str, file: Path) -> OrgRuntime:
    """The runtime folder for the org `name` defined in `file`."""
    digest = hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:8]
    return OrgRuntime(name=name, file=file.resolve(), dir=runtime_root() / f"{name}-{digest}")


def write_info(rt: OrgRuntime, workdir: Path, repo: Path) -> None:
    """Record which org file, work dir and repo this runtime folder belongs to."""
    info = {"name": rt.name, "file": str(rt.file), "workdir": str(workdir), "repo": str(repo)}
    tmp = rt.info_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(info))
    tmp.replace(rt.info_file)


def read_info(folder: Path) -> dict[str, str] | None:
    """The `org.json` of a runtime folder, or None."""
    try:
        info = json.loads((folder / "org.json").read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def find_info(rt: OrgRuntime) -> dict[str, str] | None:
    """What `org.json` says of the org (name, file, workdir, repo); for a stopped org whose
    folder is gone, the same from its org file (None if that no longer loads)."""
    info = read_info(rt.dir)
    if info is not None:
        return info
    try:
        cfg = load_org(rt.file)
    except ConfigError:
        return None
    org = cfg.org
    return {"name": org.name, "file": str(rt.file), "workdir": str(org.workdir),
            "repo": str(org.repo)}  # fmt: skip


def known_orgs() -> list[OrgRuntime]:
    """Every org with a runtime folder for this user (running, or dead and not yet removed),
    by name."""
    root = runtime_root()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        info = read_info(folder)
        if info and "name" in info and "file" in info:
            found.append(OrgRuntime(name=info["name"], file=Path(info["file"]), dir=folder))
    return found


def running_orgs() -> list[OrgRuntime]:
    """The orgs whose orgd is alive."""
    return [rt for rt in known_orgs() if rt.daemon_pid() is not None]


def remove_dead() -> list[OrgRuntime]:
    """Remove the folder of every org that is dead (see `OrgRuntime.dead`); those removed."""
    root = runtime_root()
    if not root.is_dir():
        return []
    removed = []
    for folder in sorted(root.iterdir()):
        info = read_info(folder) or {}
        rt = OrgRuntime(name=info.get("name", folder.name), file=Path(info.get("file", "")),
                        dir=folder)  # fmt: skip
        if folder.is_dir() and not folder.is_symlink() and rt.remove():
            removed.append(rt)
    return removed


def _org_name(file: Path) -> str | None:
    """The `[org] name` of an org file, read leniently (a stopped org's file may since have
    gained an error elsewhere)."""
    try:
        org = tomllib.loads(file.read_text()).get("org")
    except (OSError, ValueError):
        return None
    name = org.get("name") if isinstance(org, dict) else None
    return name if isinstance(name, str) and name else None


class AddressError(Exception):
    """ORG did not name exactly one org; the message lists the running ones."""


def _listing(orgs: list[OrgRuntime]) -> str:
    return "\n".join(f"  {rt.name}  ({rt.file})" for rt in orgs) or "  (none)"


def resolve(org: str | None, running_only: bool = True) -> OrgRuntime:
    """The org ORG names (a name or an org file). Without ORG: the org of the agent pane this
    runs in (`ORGTUI_ORG`), else the one org running for this user, else AddressError. With
    `running_only` False (`down`, `logs`), an org that is not running is found too, but a
    running one is preferred."""
    if not running_only:
        try:
            return resolve(org, running_only=True)
        except AddressError:
            pass
    candidates = running_orgs() if running_only else known_orgs()
    if org is None and os.environ.get("ORGTUI_ORG"):
        org = os.environ["ORGTUI_ORG"]
    if org is None:
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise AddressError("no org is running; start one with `orgtui up ORGFILE`")
        raise AddressError(
            f"several orgs are running; name one with --org:\n{_listing(candidates)}"
        )
    path = Path(org)
    if path.suffix == ".toml" or "/" in org or path.is_file():
        target = path.resolve()
        found = [rt for rt in candidates if rt.file == target]
        if not found and not running_only:
            found = [rt for rt in known_orgs() if rt.file == target]
        if not found and not running_only and (name := _org_name(target)):
            found = [org_runtime(name, target)]  # stopped, its folder gone: its file names it
        what = f"from {target}"
    else:
        found = [rt for rt in candidates if rt.name == org]
        what = f"named {org!r}"
    if len(found) == 1:
        return found[0]
    if not found:
        state = "running" if running_only else "known"
        raise AddressError(f"no org {what} is {state}; running orgs:\n{_listing(running_orgs())}")
    raise AddressError(f"several orgs {what}; name one by its file:\n{_listing(found)}")
