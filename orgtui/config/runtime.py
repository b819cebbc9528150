"""Where a running org keeps its sockets and pid file, and how commands find running orgs.

`$XDG_RUNTIME_DIR/orgtui/` or else `/tmp/orgtui-<uid>/` (0700, owned by this user, checked as
tmux checks its socket folder), one folder per org: `<name>-<8 hex of the org file's path
hash>/` holding `orgd.sock`, `tmux.sock`, `orgd.pid`, `org.json` (name, file, workdir, repo) and the
`lock` that `up` holds while it starts orgd.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path


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


def known_orgs() -> list[OrgRuntime]:
    """Every org with a runtime folder for this user (running or not), by name."""
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
