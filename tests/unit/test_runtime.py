"""The runtime folders: their names, their privacy, telling a running orgd from a stale pid
file, which org a command means (`resolve`), and removing the folder of a dead org (but never
one in use or being started)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orgtui.config.runtime import (
    FILES,
    AddressError,
    OrgRuntime,
    RuntimeDirError,
    find_info,
    known_orgs,
    org_runtime,
    read_info,
    remove_dead,
    resolve,
    running_orgs,
    runtime_root,
    write_info,
)
from tests.helpers import wait_for


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


# -- names -----------------------------------------------------------------------------------


def test_runtime_root_is_under_xdg_runtime_dir(runtime_dir: Path) -> None:
    assert runtime_root() == runtime_dir / "orgtui"


@pytest.mark.parametrize("xdg", [None, "", "/nonexistent/xdg"])
def test_runtime_root_falls_back_to_tmp(monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    if xdg is None:
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    else:
        monkeypatch.setenv("XDG_RUNTIME_DIR", xdg)
    assert runtime_root() == Path(f"/tmp/orgtui-{os.getuid()}")


def test_org_runtime_folder_is_name_and_8_hex_of_the_file(
    runtime_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "demo.toml"
    rt = org_runtime("demo", file)
    digest = hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:8]
    assert rt.dir == runtime_dir / "orgtui" / f"demo-{digest}"
    assert (rt.name, rt.file) == ("demo", file.resolve())
    assert [rt.orgd_sock.name, rt.tmux_sock.name, rt.pid_file.name] == [
        "orgd.sock",
        "tmux.sock",
        "orgd.pid",
    ]
    assert rt.orgd_sock.parent == rt.dir
    # The same file named another way is the same folder; another file is another folder.
    monkeypatch.chdir(tmp_path)
    assert org_runtime("demo", Path("demo.toml")).dir == rt.dir
    assert org_runtime("demo", Path("sub/../demo.toml")).dir == rt.dir
    assert org_runtime("demo", tmp_path / "other.toml").dir != rt.dir


def test_org_runtime_socket_paths_fit_a_unix_socket(runtime_dir: Path, tmp_path: Path) -> None:
    rt = org_runtime("a-rather-long-org-name", tmp_path / "org.toml")
    assert len(str(rt.orgd_sock).encode()) < 108


# -- ensure: private folders -----------------------------------------------------------------


def test_ensure_makes_private_folders(runtime_dir: Path, tmp_path: Path) -> None:
    rt = org_runtime("demo", tmp_path / "demo.toml")
    assert rt.ensure() is rt
    assert rt.dir.is_dir()
    assert mode(rt.dir.parent) == 0o700
    assert mode(rt.dir) == 0o700
    rt.ensure()  # again: fine


def test_ensure_is_private_whatever_the_umask(runtime_dir: Path, tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        rt = org_runtime("demo", tmp_path / "demo.toml").ensure()
    finally:
        os.umask(old)
    assert mode(rt.dir.parent) == 0o700
    assert mode(rt.dir) == 0o700


@pytest.mark.parametrize("bad", [0o750, 0o705, 0o701, 0o770, 0o777])
def test_ensure_refuses_a_root_open_to_others(runtime_dir: Path, tmp_path: Path, bad: int) -> None:
    root = runtime_dir / "orgtui"
    root.mkdir()
    root.chmod(bad)
    rt = org_runtime("demo", tmp_path / "demo.toml")
    with pytest.raises(RuntimeDirError, match="open to other users") as e:
        rt.ensure()
    assert f"chmod 700 {root}" in str(e.value)
    assert not rt.dir.exists()


def test_ensure_refuses_an_org_folder_open_to_others(runtime_dir: Path, tmp_path: Path) -> None:
    rt = org_runtime("demo", tmp_path / "demo.toml").ensure()
    rt.dir.chmod(0o755)
    with pytest.raises(RuntimeDirError, match="open to other users"):
        rt.ensure()


def test_ensure_refuses_a_root_that_is_a_symlink(runtime_dir: Path, tmp_path: Path) -> None:
    elsewhere = runtime_dir / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (runtime_dir / "orgtui").symlink_to(elsewhere)
    with pytest.raises(RuntimeDirError, match="not a folder owned by you"):
        org_runtime("demo", tmp_path / "demo.toml").ensure()


def test_ensure_refuses_a_file_where_the_root_should_be(runtime_dir: Path, tmp_path: Path) -> None:
    (runtime_dir / "orgtui").write_text("not a folder")
    with pytest.raises(RuntimeDirError, match="not a folder owned by you"):
        org_runtime("demo", tmp_path / "demo.toml").ensure()


def test_ensure_refuses_a_root_owned_by_someone_else(runtime_dir: Path, tmp_path: Path) -> None:
    root = runtime_dir / "orgtui"
    root.mkdir(mode=0o700)
    os.chown(root, 65534, 65534)
    with pytest.raises(RuntimeDirError, match="not a folder owned by you"):
        org_runtime("demo", tmp_path / "demo.toml").ensure()


# -- org.json and running orgds -----------------------------------------------------------------


@pytest.fixture
def fake_orgd() -> Iterator[Callable[[], subprocess.Popen]]:
    """Processes that look like an orgd (`orgtui.daemon` on their command line)."""
    started: list[subprocess.Popen] = []

    def start(marker: str = "orgtui.daemon") -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", marker])
        started.append(proc)
        return proc

    yield start
    for proc in started:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def make_org(
    runtime_dir: Path, tmp_path: Path, fake_orgd
) -> Callable[..., tuple[OrgRuntime, subprocess.Popen | None]]:
    """An org's runtime folder with its org.json; `running` gives it a live fake orgd."""

    def make(
        name: str, file: str | None = None, running: bool = True
    ) -> tuple[OrgRuntime, subprocess.Popen | None]:
        path = tmp_path / (file or f"{name}.toml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'[org]\nname = "{name}"\n')
        rt = org_runtime(name, path).ensure()
        write_info(rt, tmp_path / f"work-{name}", tmp_path / "repo")
        daemon = None
        if running:
            daemon = fake_orgd()
            rt.pid_file.write_text(f"{daemon.pid}\n")
            # Until it has exec'd, its command line is still pytest's: not yet an orgd.
            wait_for(lambda: rt.daemon_pid() == daemon.pid, what="the fake orgd to exec")
        return rt, daemon

    return make


def test_write_info_and_read_info(runtime_dir: Path, tmp_path: Path) -> None:
    rt = org_runtime("demo", tmp_path / "demo.toml").ensure()
    write_info(rt, tmp_path / "work", tmp_path / "repo")
    assert read_info(rt.dir) == {
        "name": "demo",
        "file": str((tmp_path / "demo.toml").resolve()),
        "workdir": str(tmp_path / "work"),
        "repo": str(tmp_path / "repo"),
    }
    assert json.loads(rt.info_file.read_text())["name"] == "demo"
    assert not rt.info_file.with_suffix(".tmp").exists()


@pytest.mark.parametrize("content", [None, "", "{not json", "[1, 2]", '"text"'])
def test_read_info_of_a_bad_or_missing_file_is_none(tmp_path: Path, content: str | None) -> None:
    if content is not None:
        (tmp_path / "org.json").write_text(content)
    assert read_info(tmp_path) is None


def test_daemon_pid_of_a_live_orgd(make_org) -> None:
    rt, daemon = make_org("demo")
    wait_for(lambda: rt.daemon_pid() == daemon.pid, what="the fake orgd to exec")


@pytest.mark.parametrize("content", [None, "", "garbage", "-1", "99999999"])
def test_daemon_pid_of_a_missing_or_bad_pid_file_is_none(make_org, content: str | None) -> None:
    rt, _ = make_org("demo", running=False)
    if content is not None:
        rt.pid_file.write_text(content)
    assert rt.daemon_pid() is None


def test_daemon_pid_of_a_process_that_is_not_an_orgd_is_none(make_org, fake_orgd) -> None:
    rt, _ = make_org("demo", running=False)
    other = fake_orgd("something.else")
    rt.pid_file.write_text(str(other.pid))
    assert rt.daemon_pid() is None


def test_daemon_pid_of_a_zombie_orgd_is_none(make_org) -> None:
    rt, daemon = make_org("demo")
    wait_for(lambda: rt.daemon_pid() == daemon.pid, what="the fake orgd to exec")
    daemon.kill()

    def zombie() -> bool:
        text = Path(f"/proc/{daemon.pid}/stat").read_text()
        return text[text.rindex(")") + 2] == "Z"

    wait_for(zombie, what="the fake orgd to die unreaped")
    assert rt.daemon_pid() is None


def test_known_and_running_orgs(make_org, runtime_dir: Path) -> None:
    alpha, _ = make_org("alpha")
    beta, _ = make_org("beta", running=False)
    (runtime_dir / "orgtui" / "stray").mkdir(mode=0o700)  # no org.json: not an org
    assert sorted(rt.name for rt in known_orgs()) == ["alpha", "beta"]
    assert [rt.name for rt in running_orgs()] == ["alpha"]
    assert running_orgs()[0].dir == alpha.dir


def test_no_runtime_root_means_no_orgs(runtime_dir: Path) -> None:
    assert known_orgs() == []
    assert running_orgs() == []


# -- resolve ---------------------------------------------------------------------------------


def test_resolve_with_no_orgs(runtime_dir: Path) -> None:
    with pytest.raises(AddressError, match="no org is running; start one with `orgtui up"):
        resolve(None)
    with pytest.raises(AddressError, match="no org named 'demo' is running"):
        resolve("demo")


def test_resolve_the_one_running_org(make_org) -> None:
    rt, _ = make_org("alpha")
    found = resolve(None)
    assert (found.name, found.file, found.dir) == (rt.name, rt.file, rt.dir)


def test_resolve_ignores_orgs_that_are_not_running(make_org) -> None:
    rt, _ = make_org("alpha", running=False)
    with pytest.raises(AddressError, match="no org is running"):
        resolve(None)
    with pytest.raises(AddressError, match="no org named 'alpha' is running"):
        resolve("alpha")
    assert resolve(None, running_only=False).dir == rt.dir
    assert resolve("alpha", running_only=False).dir == rt.dir
    assert resolve(str(rt.file), running_only=False).dir == rt.dir


def test_resolve_an_org_whose_orgd_died(make_org) -> None:
    rt, daemon = make_org("alpha")
    daemon.kill()
    daemon.wait()
    with pytest.raises(AddressError, match="no org is running"):
        resolve(None)


def test_resolve_with_two_running_orgs_asks_which(make_org) -> None:
    make_org("alpha")
    make_org("beta")
    with pytest.raises(AddressError) as e:
        resolve(None)
    text = str(e.value)
    assert text.startswith("several orgs are running; name one with --org:")
    assert "  alpha  (" in text and "  beta  (" in text


def test_resolve_by_name(make_org) -> None:
    alpha, _ = make_org("alpha")
    beta, _ = make_org("beta")
    assert resolve("alpha").dir == alpha.dir
    assert resolve("beta").dir == beta.dir


def test_resolve_an_unknown_name_lists_the_running_orgs(make_org) -> None:
    make_org("alpha")
    with pytest.raises(AddressError) as e:
        resolve("gamma")
    assert "no org named 'gamma' is running; running orgs:" in str(e.value)
    assert "  alpha  (" in str(e.value)


def test_resolve_by_file(make_org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alpha, _ = make_org("alpha")
    beta, _ = make_org("beta")
    assert resolve(str(beta.file)).dir == beta.dir
    monkeypatch.chdir(tmp_path)
    assert resolve("alpha.toml").dir == alpha.dir
    assert resolve("./beta.toml").dir == beta.dir
    with pytest.raises(
        AddressError, match=re.escape(f"no org from {tmp_path / 'gamma.toml'} is running")
    ):
        resolve("gamma.toml")


def test_resolve_two_orgs_of_one_name_by_file(make_org) -> None:
    one, _ = make_org("same", file="one/org.toml")
    two, _ = make_org("same", file="two/org.toml")
    assert one.dir != two.dir
    with pytest.raises(AddressError, match="several orgs named 'same'; name one by its file"):
        resolve("same")
    assert resolve(str(one.file)).dir == one.dir
    assert resolve(str(two.file)).dir == two.dir


def test_resolve_from_orgtui_org_in_the_environment(
    make_org, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha, _ = make_org("alpha")
    beta, _ = make_org("beta")
    monkeypatch.setenv("ORGTUI_ORG", "beta")
    assert resolve(None).dir == beta.dir
    # An explicit org wins over the environment.
    assert resolve("alpha").dir == alpha.dir
    monkeypatch.setenv("ORGTUI_ORG", str(alpha.file))
    assert resolve(None).dir == alpha.dir


def test_resolve_from_orgtui_org_naming_a_stopped_org(
    make_org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent's pane outlived its org: it does not fall back to another running org."""
    make_org("alpha")
    make_org("beta", running=False)
    monkeypatch.setenv("ORGTUI_ORG", "beta")
    with pytest.raises(AddressError, match="no org named 'beta' is running"):
        resolve(None)


def test_resolve_prefers_the_running_org_over_a_stopped_one_of_the_same_name(
    runtime_dir: Path, tmp_path: Path
) -> None:

    stopped = org_runtime("same", tmp_path / "a" / "same.toml").ensure()
    write_info(stopped, tmp_path / "a" / "wd", tmp_path / "a")
    live = org_runtime("same", tmp_path / "b" / "same.toml").ensure()
    write_info(live, tmp_path / "b" / "wd", tmp_path / "b")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "orgtui.daemon"])
    try:
        live.pid_file.write_text(f"{proc.pid}\n")
        assert resolve("same", running_only=False).dir == live.dir
        assert resolve(str(tmp_path / "a" / "same.toml"), running_only=False).dir == stopped.dir
    finally:
        proc.kill()
        proc.wait()


# -- a folder lives as long as its org ------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[Callable[[Path], socket.socket]]:
    """A server listening on a unix socket, as a live tmux server or orgd would."""
    made: list[socket.socket] = []

    def listen(path: Path) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen()
        made.append(sock)
        return sock

    yield listen
    for sock in made:
        sock.close()


def dead_org(make_org) -> OrgRuntime:
    """An org killed outright: its pid file, sockets nobody listens on, tmux.conf, a lock."""
    rt, _ = make_org("dead", running=False)
    rt.pid_file.write_text("99999999\n")
    for sock in (rt.orgd_sock, rt.tmux_sock):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(sock))
        s.close()  # the file stays, nobody listens
    (rt.dir / "tmux.conf").write_text("set -g mouse on\n")
    rt.lock_file.write_text("")
    return rt


def test_a_dead_org_is_removed(make_org) -> None:
    rt = dead_org(make_org)
    assert rt.dead()
    assert rt.remove()
    assert not rt.dir.exists()
    assert rt.remove()  # gone already: fine
    assert known_orgs() == []


def test_an_org_with_a_live_part_is_not_dead(make_org, listener, fake_orgd) -> None:
    rt = dead_org(make_org)
    rt.tmux_sock.unlink()
    server = listener(rt.tmux_sock)  # orgd was killed; the agents' tmux server runs on
    assert not rt.dead() and not rt.remove()
    assert rt.info_file.exists()
    server.close()
    rt.orgd_sock.unlink()
    listener(rt.orgd_sock)
    assert not rt.dead() and not rt.remove()
    rt.orgd_sock.unlink()
    daemon = fake_orgd()
    rt.pid_file.write_text(f"{daemon.pid}\n")
    wait_for(lambda: not rt.dead(), what="the fake orgd to exec")
    assert not rt.remove() and rt.dir.is_dir()


def test_a_locked_folder_is_not_removed(make_org) -> None:
    """An `up` holds the lock while it starts orgd: the folder is not dead, only not yet live."""
    rt = dead_org(make_org)
    with rt.locked():
        assert not rt.remove()
        assert rt.dir.is_dir()
    assert rt.remove()


def test_a_folder_holding_something_else_is_kept(make_org) -> None:
    rt = dead_org(make_org)
    (rt.dir / "notes.txt").write_text("not orgtui's\n")
    before = sorted(p.name for p in rt.dir.iterdir())
    assert not rt.remove()
    assert sorted(p.name for p in rt.dir.iterdir()) == before


def test_clear_keeps_the_lock(make_org) -> None:
    rt = dead_org(make_org)
    (rt.dir / "org.tmp").write_text("{")
    rt.clear()
    assert [p.name for p in rt.dir.iterdir()] == ["lock"]


def test_locked_takes_the_new_lock_when_the_folder_was_removed_meanwhile(make_org) -> None:
    """A second `up` waits on a lock file that the first one's `down` removes: it must not go
    on holding a lock nobody else can see."""
    rt = dead_org(make_org)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_RDWR)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n"
         "os.unlink(sys.argv[1]); os.rmdir(os.path.dirname(sys.argv[1]))\n",
         str(rt.lock_file)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == "locked\n"
    for name in FILES[:-1]:
        (rt.dir / name).unlink(missing_ok=True)
    got: list[int] = []

    def take() -> None:
        with rt.locked():
            got.append(os.stat(rt.lock_file).st_ino)

    taker = threading.Thread(target=take)
    taker.start()
    holder.stdin.close()  # the holder removes the lock and the folder, then exits
    holder.wait(timeout=10)
    taker.join(timeout=10)
    assert got and rt.lock_file.exists() and rt.dir.is_dir()


def test_remove_dead_removes_only_the_dead(make_org, fake_orgd, runtime_dir: Path) -> None:
    live, _ = make_org("alive")
    rt = dead_org(make_org)
    half = runtime_dir / "orgtui" / "half-made"
    half.mkdir(mode=0o700)  # an up between making the folder and taking its lock
    wait_for(lambda: live.daemon_pid() is not None, what="the fake orgd to exec")
    removed = remove_dead()
    assert sorted(r.dir.name for r in removed) == sorted([rt.dir.name, "half-made"])
    assert [o.name for o in known_orgs()] == ["alive"]


def test_resolve_a_stopped_org_by_its_file_once_its_folder_is_gone(
    runtime_dir: Path, tmp_path: Path, repo_org: Path
) -> None:
    with pytest.raises(AddressError, match="no org named 'gone' is known"):
        resolve("gone", running_only=False)
    with pytest.raises(AddressError, match="is running"):
        resolve(str(repo_org))
    rt = resolve(str(repo_org), running_only=False)
    assert (rt.name, rt.file, rt.dir) == ("gone", repo_org, org_runtime("gone", repo_org).dir)
    assert not rt.dir.exists()
    info = find_info(rt)
    assert info == {"name": "gone", "file": str(repo_org),
                    "workdir": str(tmp_path / ".orgtui" / "gone"), "repo": str(tmp_path)}  # fmt: skip


@pytest.fixture
def repo_org(tmp_path: Path) -> Path:
    """A valid org file named `gone`, its repo the folder it is in."""
    path = tmp_path / "gone.toml"
    path.write_text(f'[org]\nname = "gone"\nrepo = "{tmp_path}"\n\n[[agent]]\nname = "a"\n'
                    'command = "bash"\n')  # fmt: skip
    return path


def test_find_info_prefers_org_json_and_is_none_for_a_file_that_no_longer_loads(
    make_org, tmp_path: Path
) -> None:
    rt, _ = make_org("kept", running=False)
    assert find_info(rt) == read_info(rt.dir)
    broken = tmp_path / "broken.toml"
    broken.write_text('[org]\nname = "broken"\nnonsense = 1\n')
    assert find_info(org_runtime("broken", broken)) is None
