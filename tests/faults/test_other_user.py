"""A second local user probes a running org: it reads no file under the work dir (ledger, logs,
comms, job folders, worktrees), never sees an agent's secret on any process's command line
while agents start and restart, and cannot connect to orgd's socket. A work dir an older
orgtui left open to others is closed at `up`.

CI runs as root, so each test creates its user (`useradd`) and removes it (`userdel -r`)."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import agent_toml, wait_for

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("setpriv"),
    reason="needs root, useradd and setpriv to act as a second user",
)

PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str

    def popen(self, script: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """`python3 -c script` as this user, its stdin and stdout piped."""
        return subprocess.Popen(
            ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
             PYTHON, "-c", script],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={"PATH": "/usr/bin:/bin", "HOME": self.home, **(env or {})}, cwd="/",
        )  # fmt: skip

    def run(self, script: str, given: object) -> object:
        """Run `script` as this user with `given` as JSON on stdin; what it prints, as JSON."""
        proc = self.popen(script)
        out, err = proc.communicate(json.dumps(given), timeout=60)
        assert proc.returncode == 0, err
        return json.loads(out)


@pytest.fixture
def stranger() -> Iterator[User]:
    """A fresh local user, removed with its home at the end whatever happened."""
    name = f"otprobe{secrets.token_hex(4)}"
    subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], check=True, capture_output=True)
    try:
        entry = pwd.getpwnam(name)
        yield User(name, entry.pw_uid, entry.pw_gid, entry.pw_dir)
    finally:
        subprocess.run(["userdel", "-r", name], capture_output=True)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder anyone may enter (as /tmp's are), so only the work dir's own modes protect it."""
    path = Path(tempfile.mkdtemp(prefix="otopen", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


# Prints [path] for every path it could read (a file) or list (a folder), then whether it
# could connect to the socket.
PROBE = r"""
import json, os, socket, sys
given = json.load(sys.stdin)
opened = []
for path in given["paths"]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        opened.append(path)
    except OSError:
        pass
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect(given["socket"])
    connected = "connected"
except OSError as e:
    connected = str(e)
print(json.dumps({"opened": opened, "socket": connected}))
"""

# Scans every process's command line until its stdin closes, printing each new one that holds
# a needle (given in its environment, which no other user can read), then the number of scans.
SAMPLER = r"""
import os, sys, threading
needles = [n.encode() for n in os.environ["NEEDLES"].split()]
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
seen, scans = set(), 0
while not stop.is_set():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if any(n in cmd for n in needles):
            line = cmd.replace(b"\0", b" ").decode(errors="replace")
            if line not in seen:
                seen.add(line)
                print("seen", line, flush=True)
    scans += 1
print("scans", scans, flush=True)
"""


class Sampler:
    """SAMPLER running as a user; `lines` grows as it prints."""

    def __init__(self, user: User, *needles: str) -> None:
        self.proc = user.popen(SAMPLER, {"NEEDLES": " ".join(needles)})
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.reader.join(timeout=10)
        return self.lines


def org_text(name: str, workdir: Path, *tables: str) -> str:
    header = f'[org]\nname = "{name}"\nrepo = "{{repo}}"\nworkdir = "{workdir}"\n'
    return "\n".join([header, *tables])


# Each agent records its environment and umask beside its worktree, then is a shell.
RECORD = [
    "sh",
    "-c",
    'env > "$ORGTUI_WORKTREE/../$ORGTUI_AGENT.env"; umask > "$ORGTUI_WORKTREE/../$ORGTUI_AGENT.umask"; '
    "exec bash --norc --noprofile",
]
SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 1
"""


def everything_under(folder: Path) -> list[str]:
    found = [str(folder)]
    for root, dirs, files in os.walk(folder):
        found += [os.path.join(root, n) for n in dirs + files]
    return found


def test_another_user_reads_nothing_sees_no_secret_and_cannot_connect(
    write_org, orgtui, stranger: User, open_folder: Path
):
    secret = f"sk-{secrets.token_hex(12)}"
    canary = f"canary-{secrets.token_hex(6)}"
    workdir = open_folder / "work"
    agents = [agent_toml(n, RECORD, env={"API_KEY": secret}) for n in ("a", "b", "c")]
    org = write_org(org_text("probed", workdir, *agents, SCHEDULER))

    sampler = Sampler(stranger, secret, canary)
    visible = subprocess.Popen(["sh", "-c", "sleep 60", canary])
    try:
        # The sampler sees other users' command lines (no hidepid): a secret would show.
        wait_for(lambda: any(canary in line for line in sampler.lines), timeout=20,
                 what="the sampler to see the canary")  # fmt: skip
    finally:
        visible.kill()
        visible.wait()
    try:
        orgtui("up", str(org))
        wait_for(lambda: all(a["state"] == "running" and a["pane_pid"]
                             for a in orgtui.status()["agents"]), what="3 running agents")  # fmt: skip
        job = json.loads(orgtui("job", "submit", "--json", "--agent", "a", "--",
                                "sh", "-c", "umask; echo val_bpb: 1.0").stdout)["id"]  # fmt: skip
        for name in ("a", "b", "c", "a", "b", "c"):
            orgtui("restart", name)
        wait_for(lambda: json.loads(orgtui("job", "show", str(job), "--json").stdout)["state"]
                 == "ok", timeout=60, what=f"job {job} to end ok")  # fmt: skip
        wait_for(lambda: all(a["state"] == "running" for a in orgtui.status()["agents"]))
    finally:
        lines = sampler.stop()
    scans = [line for line in lines if line.startswith("scans ")]
    assert scans and int(scans[0].split()[1]) > 10, lines
    leaks = [line for line in lines if secret in line]
    assert not leaks, f"the secret was on a command line: {leaks}"

    # The agents did get the secret, in their environment, and everything runs with umask 077.
    worktrees = workdir / "worktrees"
    for name in ("a", "b", "c"):
        assert f"API_KEY={secret}\n" in (worktrees / f"{name}.env").read_text()
        assert (worktrees / f"{name}.umask").read_text().strip() == "0077"
    assert "0077" in orgtui("job", "logs", str(job)).stdout

    paths = everything_under(workdir)
    for expected in ("ledger.sqlite", "logs/orgd.log", "comms", "jobs", "worktrees/a/train.py",
                     "bin/a/orgtui", "worktrees/a.env"):  # fmt: skip
        assert str(workdir / expected) in paths
    assert any(p.startswith(str(workdir / "jobs" / str(job))) for p in paths)
    tmux_sock = Path(orgtui.status()["tmux_socket"])
    for sock in (tmux_sock.with_name("orgd.sock"), tmux_sock):
        assert sock.exists()
        seen = stranger.run(PROBE, {"paths": paths, "socket": str(sock)})
        assert isinstance(seen, dict)
        assert seen["opened"] == [], f"{stranger.name} read: {seen['opened'][:20]}"
        assert seen["socket"] != "connected"
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    assert stat.S_IMODE((workdir / "bin" / "a" / "orgtui").stat().st_mode) == 0o700


def test_an_open_work_dir_is_closed_at_up(write_org, orgtui, stranger: User, open_folder: Path):
    """What an older orgtui left (umask 022): folders 0755, files 0644, one 0666; a link to a
    file outside the work dir is not followed."""
    workdir = open_folder / "work"
    outside = open_folder / "outside.txt"
    outside.write_text("not the org's\n")
    outside.chmod(0o644)
    made = {
        "logs/orgd.log": 0o644,
        "comms/board.md": 0o644,
        "comms/inbox/a.md": 0o666,
        "jobs/1/log": 0o640,
        "ledger.sqlite": 0o644,
        "bin/orgtui": 0o755,
    }
    for rel, mode in made.items():
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("" if rel == "ledger.sqlite" else "old\n")  # an empty file is a database
        path.chmod(mode)
    for folder in [workdir, *{(workdir / rel).parent for rel in made}]:
        folder.chmod(0o755)
    (workdir / "comms" / "inbox").chmod(0o775)
    (workdir / "link").symlink_to(outside)
    org = write_org(org_text("opened", workdir, agent_toml("a")))

    orgtui("up", str(org))

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.lstat().st_mode)

    assert mode(workdir) == 0o700
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            path = Path(root) / name
            if not path.is_symlink():
                assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"
    assert mode(workdir / "jobs" / "1" / "log") == 0o600
    assert mode(workdir / "bin" / "orgtui") == 0o700
    assert mode(workdir / "comms" / "inbox") == 0o700
    assert mode(outside) == 0o644  # the link's target is not the org's
    log = (workdir / "logs" / "orgd.log").read_text()
    assert f"tightened {workdir}" in log
    assert "logs/orgd.log" in log
    seen = stranger.run(PROBE, {"paths": everything_under(workdir), "socket": "/nonexistent"})
    assert isinstance(seen, dict) and seen["opened"] == []
