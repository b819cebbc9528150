"""Cockpit figures beside their targets, with a plain tmux client measured in the same run
(issue: the cockpit TUI, "Numbers").

    .venv/bin/python bench/cockpit.py [--keys 200] [--idle-seconds 20] [--load-seconds 20]
                                      [--floods batch,lines] [--flood-pause 0] [--seed N]

Makes a fresh git repository and an org of 9 agents in a temporary folder (with its own
runtime folder): `echo` (bench/agents/echo.py: answers each byte with a unique marker `<kN>`,
and logs the bytes it got) first, so the cockpit focuses it, then 8 `flood` agents
(bench/agents/flood.py: coloured lines as fast as tmux takes them while a flag file exists).
Two floods, one after the other (--floods):

  - batch: each flooder writes 50 lines of 16, 256 and truecolor SGR per write;
  - lines: each flooder writes one 256-colour line per write, as fast as a Python loop can
    (`print(line, flush=True)`): many more, smaller screen updates.

Then, with the real CLI, orgd and tmux:

  1. the cockpit (`orgtui attach`, in a 160x48 pty of its own: a 3x3 grid): its CPU with the
     9 panes idle; Enter takes over the echo pane; key-to-echo latency idle (keys/4 keys);
     then, for each flood, the flooders start and, under that load, key-to-echo latency
     (--keys keys, then a burst of BURST keys 2 ms apart) and the cockpit's CPU over the load
     window (--load-seconds, longer if the keys take longer); the flooders stop; at the end
     F12, q, and the frames each pane drew come from the file named by ORGTUI_TUI_STATS,
     written as the app quits;
  2. a plain tmux client (a grouped session on the org's tmux server with the echo agent's
     window selected, `tmux attach` in a 160x48 pty): the same latencies under the same loads.

Target, per flood: the cockpit's p99 <= max(3x the tmux client's p99 in the same run, 25 ms),
and no key lost, doubled or reordered: the keys cycle through a-z, and the bytes the echo
agent logged must be exactly the keys sent, in order, through both clients.

Key-to-echo: from the key written to the client's pty until the echo's marker appears in the
client's output (a reader thread drains the pty and timestamps each marker). Keys go one at a
time, 30-50 ms (random) after the previous echo; an echo that does not show within 5 s counts
as infinitely late, and a series stops after 3 of those (or after 3x --load-seconds). CPU is
utime+stime from /proc as a share of one core. Frames per busy pane = frames drawn / the
seconds both floods ran (the idle phase adds a frame or two: the flooders' "ready" line).
The tmux server's CPU and memory (at the start, middle and end of each load window) are shown
for context: its memory levels off a few seconds into a flood; memory still growing in the
second half is control-mode output queued for the cockpit and not yet sent. --flood-pause makes
the flooders sleep between writes, for a lighter load.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import math
import os
import pty
import random
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.protocol.client import call  # noqa: E402
from tests.helpers import WaitTimeout, wait_for  # noqa: E402

AGENTS = Path(__file__).resolve().parent / "agents"
ORG = "cockpit"
FLOODERS = 8
COLS, ROWS = 160, 48
ECHO_TIMEOUT = 5.0
LATE_LIMIT = 3
BURST = 20  # keys typed 2 ms apart at the end of each load window, for the order check
FLOODS = ("batch", "lines")
TARGET_FLOOR = 0.025  # s: the p99 target is never below this
KEYS = b"abcdefghijklmnopqrstuvwxyz"
F12 = b"\x1b[24~"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b.?")


class BenchError(Exception):
    pass


class Term:
    """A program in a 160x48 pty of its own, its output drained by a reader thread that
    timestamps the first appearance of each watched byte string (so the program never blocks
    on a full pty, whatever the measuring loop is doing)."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], watch: tuple[bytes, ...] = ()
    ) -> None:
        self.name = name
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal and stdin/out/err
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.bytes_read = 0
        self.exit_status: int | None = None
        self.eof = threading.Event()
        self._lock = threading.Lock()
        self._watched = {pattern: threading.Event() for pattern in watch}
        self._seen: dict[bytes, float] = {}
        self._recent = b""
        self._thread = threading.Thread(target=self._read, name=f"read-{name}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        tail = b""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            now = time.perf_counter()
            self.bytes_read += len(chunk)
            data = tail + chunk
            with self._lock:
                for pattern, event in self._watched.items():
                    if not event.is_set() and pattern in data:
                        self._seen[pattern] = now
                        event.set()
            tail = data[-64:]
            self._recent = (self._recent + chunk)[-8192:]
        self.eof.set()

    def watch(self, pattern: bytes) -> None:
        """Start looking for `pattern` (before doing what makes it appear)."""
        with self._lock:
            self._watched.setdefault(pattern, threading.Event())

    def wait(self, pattern: bytes, timeout: float, what: str) -> float:
        """When `pattern` appeared (perf_counter); BenchError if it does not within `timeout`."""
        self.watch(pattern)
        event = self._watched[pattern]
        deadline = time.monotonic() + timeout
        try:
            while not event.wait(0.05):
                if self.eof.is_set() or time.monotonic() > deadline:
                    gone = "exited" if self.eof.is_set() else f"not within {timeout:g} s"
                    raise BenchError(
                        f"{what}: {pattern.decode(errors='replace')!r} never appeared in the "
                        f"{self.name}'s output ({gone}); its last output, escapes removed:\n"
                        f"{self.screen_tail()}"
                    )
            return self._seen[pattern]
        finally:
            with self._lock:
                self._watched.pop(pattern, None)
                self._seen.pop(pattern, None)

    def screen_tail(self) -> str:
        text = _ESCAPES.sub(b" ", self._recent).decode(errors="replace")
        return re.sub(r"\s+", " ", text)[-600:]

    def send(self, data: bytes) -> float:
        start = time.perf_counter()
        os.write(self.fd, data)
        return start

    def wait_exit(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.exit_status is None and time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_status = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.05)
        return self.exit_status is not None

    def kill(self) -> None:
        if self.exit_status is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, sig)
                if self.wait_exit(3):
                    break
        with contextlib.suppress(OSError):
            os.close(self.fd)


class Echo:
    """Keys to the echo agent through a client, and their latencies. The agent numbers the
    bytes it gets, whoever sends them, so one counter serves every client."""

    def __init__(self, screen: Callable[[], str]) -> None:
        self.count = 0
        self.sent = bytearray()  # every key sent, in order: what the echo agent must log
        self.screen = screen  # the echo agent's own screen, as tmux holds it
        self.late: dict[str, str] = {}  # the first late echo of each series, explained

    def _send(self, term: Term) -> tuple[bytes, float]:
        key = KEYS[self.count % len(KEYS) : self.count % len(KEYS) + 1]
        self.count += 1
        marker = f"<k{self.count}>".encode()
        term.watch(marker)
        self.sent += key
        return marker, term.send(key)

    def _wait(self, term: Term, marker: bytes, sent: float) -> float:
        try:
            return term.wait(marker, ECHO_TIMEOUT, f"the echo of key {self.count}") - sent
        except BenchError as e:
            shown = " | ".join(line for line in self.screen().splitlines() if line.strip())
            raise BenchError(f"{e}\nthe echo agent's own screen (tmux): {shown}") from None

    def key(self, term: Term) -> float:
        return self._wait(term, *self._send(term))

    def burst(self, series: str, term: Term) -> float:
        """BURST keys 2 ms apart, as fast typing or a paste; from the last key to its echo."""
        for _ in range(BURST):
            marker, sent = self._send(term)
            time.sleep(0.002)
        try:
            return self._wait(term, marker, sent)
        except BenchError as e:
            self.late.setdefault(series + ", burst", str(e))
            return math.inf

    def measure(self, series: str, term: Term, keys: int, max_seconds: float) -> list[float]:
        """Latencies of `keys` keys (inf: the echo never showed)."""
        latencies: list[float] = []
        start = time.perf_counter()
        for _ in range(keys):
            try:
                latencies.append(self.key(term))
            except BenchError as e:
                latencies.append(math.inf)
                self.late.setdefault(series, str(e))
                if latencies.count(math.inf) >= LATE_LIMIT:
                    break
            if time.perf_counter() - start > max_seconds:
                break
            time.sleep(random.uniform(0.030, 0.050))
        return latencies


class Cpu:
    """CPU time of some processes from now on, as a share of one core."""

    def __init__(self, *pids: int) -> None:
        self.pids = pids
        self.start = (self._ticks(), time.perf_counter())

    def _ticks(self) -> int:
        total = 0
        for pid in self.pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    def share(self) -> float:
        ticks, t0 = self.start
        used = (self._ticks() - ticks) / os.sysconf("SC_CLK_TCK")
        return 100 * used / (time.perf_counter() - t0)


class Memory:
    """A process's resident memory (MB) at the start, the middle and the end of a window,
    sampled by a thread. tmux's memory settles at a plateau a few seconds into a flood; if it
    still grows in the second half, the server is queueing output that a client has not taken."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while True:
            with contextlib.suppress(OSError, IndexError, ValueError):
                status = Path(f"/proc/{self.pid}/status").read_text()
                self.samples.append(int(status.split("VmRSS:")[1].split()[0]) / 1024)
            if self._stop.wait(0.25):
                return

    def stop(self) -> tuple[float, float, float]:
        self._stop.set()
        self._thread.join()
        s = self.samples or [0.0]
        return s[0], s[len(s) // 2], s[-1]


def flooded_bytes(flag: Path) -> int:
    """What the flooders have written so far (each keeps its count in `<flag>.<pid>`)."""
    total = 0
    for path in flag.parent.glob(f"{flag.name}.[0-9]*[0-9]"):
        with contextlib.suppress(OSError, ValueError):
            total += int(path.read_text() or 0)
    return total


def make_repo(path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "README").write_text("bench\n")
    subprocess.run(["git", "-C", str(path), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-qm", "initial"],
        check=True,
        env={**os.environ, **GIT_ENV},
    )


def org_text(repo: Path, flag: Path, pause: float, keys_log: Path) -> str:
    py = sys.executable
    return f"""
[org]
name = "{ORG}"
repo = "{repo}"

[[agent]]
name = "echo"
command = ["{py}", "{AGENTS / "echo.py"}", "{keys_log}"]
size = "40x10"

[[agent]]
name = "flood"
count = {FLOODERS}
command = ["{py}", "{AGENTS / "flood.py"}", "{flag}", "{pause}"]
"""


def orgtui(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "orgtui", *args], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise BenchError(f"orgtui {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def ms(value: float) -> str:
    return f"> {ECHO_TIMEOUT * 1e3:.0f}" if math.isinf(value) else f"{value * 1e3:.1f}"


def row(name: str, value: str, target: str, ok: bool | None) -> None:
    verdict = "" if ok is None else "ok" if ok else "MISSED"
    print(f"  {name:<50} {value:>22}   {target:<24} {verdict}", flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.flag = tmp / "flood_on"
        self.keys_log = tmp / "keys.log"
        self.stats_file = tmp / "tui-stats.json"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ORGTUI_") and k not in ("TMUX", "TMUX_PANE")
        }
        self.env.update(GIT_ENV, XDG_RUNTIME_DIR=str(tmp / "run"))
        self.env.setdefault("LANG", "C.UTF-8")
        self.term_env = {**self.env, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        self.org = tmp / f"{ORG}.toml"
        self.terms: list[Term] = []
        self.r: dict[str, Any] = {}
        self.tmux_sock = ""
        self.tmux_pid = 0
        self.echo = Echo(lambda: "")

    # -- the org ----------------------------------------------------------------------------

    def up(self) -> None:
        (self.tmp / "run").mkdir(mode=0o700)
        repo = self.tmp / "repo"
        make_repo(repo)
        self.org.write_text(org_text(repo, self.flag, self.args.flood_pause, self.keys_log))
        self.org.chmod(0o644)
        orgtui(self.env, "up", str(self.org))
        runtime = self.tmp / "run" / "orgtui"
        folder = next(p for p in runtime.iterdir() if p.name.startswith(f"{ORG}-"))
        sock = folder / "orgd.sock"
        self.tmux_sock = str(folder / "tmux.sock")

        from orgtui.protocol.status import Status

        def running() -> bool:
            agents = call(sock, Status()).agents
            return len(agents) == FLOODERS + 1 and all(a.state == "running" for a in agents)

        try:
            wait_for(running, 30, what="the agents to run")
        except WaitTimeout as e:
            raise BenchError(str(e)) from None
        self.tmux_pid = int(self.tmux("display-message", "-p", "#{pid}"))
        self.echo = Echo(lambda: self.tmux("capture-pane", "-p", "-t", f"={ORG}:=echo"))

    def down(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.flag.unlink()
        for term in self.terms:
            term.kill()
        subprocess.run(
            [sys.executable, "-m", "orgtui", "down", "--org", str(self.org)],
            env=self.env,
            capture_output=True,
        )

    def tmux(self, *a: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.tmux_sock, *a],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def flood(self, kind: str | None) -> None:
        """Start the flood `kind` (the flooders read it from the flag file), or stop (None)."""
        if kind:
            tmp = self.flag.with_name("flag.tmp")
            tmp.write_text(kind)
            tmp.replace(self.flag)
        else:
            self.flag.unlink()
            time.sleep(0.3)  # the flooders see it (they look every 0.1 s when idle)

    def spawn(self, name: str, argv: list[str], env: dict[str, str], *watch: bytes) -> Term:
        term = Term(name, argv, env, watch)
        self.terms.append(term)
        return term

    # -- the cockpit ------------------------------------------------------------------------

    def cockpit(self) -> None:
        args, r, echo = self.args, self.r, self.echo
        env = {**self.term_env, "ORGTUI_TUI_STATS": str(self.stats_file)}
        argv = [sys.executable, "-m", "orgtui", "attach", ORG]
        top = f"orgtui · {ORG}".encode()
        tui = self.spawn("cockpit", argv, env, top, b"echo ready")
        tui.wait(top, 30, "the cockpit's top bar")
        tui.wait(b"echo ready", 30, "the echo pane")
        time.sleep(2)  # the first frames drawn, orgd's status polled: idle from here
        # (Its `tmux -C` client process costs nothing: the server writes to its stdout itself.)
        cpu = Cpu(tui.pid), Cpu(self.tmux_pid)
        time.sleep(args.idle_seconds)
        r["tui_cpu_idle"], r["tmux_cpu_idle"] = (c.share() for c in cpu)

        taken = b"echo has the keyboard"
        tui.watch(taken)
        tui.send(b"\r")  # take over the focused pane: the echo agent, first in the org
        tui.wait(taken, 10, "the takeover")
        for _ in range(5):  # warm up, and fail early if keys do not reach the agent
            echo.key(tui)
        cap = 3 * args.load_seconds
        r["tui_idle"] = echo.measure("cockpit, idle", tui, max(10, args.keys // 4), cap)

        r["flood_s"] = 0.0
        for kind in args.floods:
            r[f"tui_{kind}"] = load = self.load(kind, "cockpit", tui)
            r["flood_s"] += load["flood_s"]

        tui.send(F12)
        time.sleep(0.3)
        tui.send(b"q")
        if not tui.wait_exit(30):
            raise BenchError(
                f"the cockpit did not quit on q; its last output:\n{tui.screen_tail()}"
            )
        if tui.exit_status != 0:
            raise BenchError(f"the cockpit exited {tui.exit_status}:\n{tui.screen_tail()}")
        try:
            r["stats"] = json.loads(self.stats_file.read_text())
        except (OSError, ValueError) as e:
            raise BenchError(f"no frame stats from the cockpit ({self.stats_file}): {e}") from e

    # -- a plain tmux client ----------------------------------------------------------------

    def tmux_client(self) -> None:
        args, r, echo = self.args, self.r, self.echo
        time.sleep(1)  # the flood drained: idle again
        self.tmux("new-session", "-d", "-t", f"={ORG}", "-s", "bench-view")
        self.tmux("select-window", "-t", "=bench-view:=echo")
        argv = ["tmux", "-S", self.tmux_sock, "attach-session", "-t", "=bench-view"]
        client = self.spawn("tmux client", argv, self.term_env)
        for _ in range(5):
            echo.key(client)
        cap = 3 * args.load_seconds
        r["tmux_idle"] = echo.measure("tmux, idle", client, max(10, args.keys // 4), cap)

        for kind in args.floods:
            r[f"tmux_{kind}"] = self.load(kind, "tmux", client)
        client.send(F12)  # the org's tmux detaches on F12
        if not client.wait_exit(10):
            client.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            self.tmux("kill-session", "-t", "=bench-view")

    def load(self, kind: str, name: str, term: Term) -> dict[str, Any]:
        """Flood `kind` and, under it, key-to-echo through `term` (the client `name`): its
        latencies, a burst's, CPU (the client's, when it is the cockpit, and tmux's), the
        client's output, the flooders' and tmux's memory over the window."""
        args = self.args
        load: dict[str, Any] = {}
        flood_start, flooded = time.perf_counter(), flooded_bytes(self.flag)
        self.flood(kind)
        time.sleep(1)  # the flooders and tmux at full speed
        # (the tmux server writes to a plain client's terminal itself)
        cpu = Cpu(*([term.pid] if name == "cockpit" else [])), Cpu(self.tmux_pid)
        out, t0 = term.bytes_read, time.perf_counter()
        rss = Memory(self.tmux_pid)
        series = f"{name}, {kind} flood"
        load["keys"] = self.echo.measure(series, term, args.keys, 3 * args.load_seconds)
        load["burst"] = self.echo.burst(series, term)
        time.sleep(max(0.0, args.load_seconds - (time.perf_counter() - t0)))
        load["rss"] = rss.stop()
        load["cpu"], load["tmux_cpu"] = (c.share() for c in cpu)
        load["out_mb_s"] = (term.bytes_read - out) / (time.perf_counter() - t0) / 1e6
        load["flood_s"] = time.perf_counter() - flood_start
        self.flood(None)
        load["flood_mb_s"] = (flooded_bytes(self.flag) - flooded) / load["flood_s"] / 1e6
        return load

    # -- the table --------------------------------------------------------------------------

    def report(self) -> None:
        args, r, floods = self.args, self.r, self.args.floods
        width = 50 + 23 * len(floods)
        print(f"  {'figure':<48}" + "".join(f"{k + ' flood':>23}" for k in floods), flush=True)

        def line(name: str, values: list[str], target: str = "", ok: bool | None = None) -> None:
            verdict = "" if ok is None else "  ok" if ok else "  MISSED"
            cells = "".join(f"{v:>23}" for v in values)
            print(f"  {name:<48}{cells}   {target}{verdict}", flush=True)

        def each(fn: Callable[[dict[str, Any], dict[str, Any]], str]) -> list[str]:
            return [fn(r[f"tui_{k}"], r[f"tmux_{k}"]) for k in floods]

        def p50_99(keys: list[float]) -> str:
            late = keys.count(math.inf)
            return (
                (f"({late} late) " if late else "")
                + f"{ms(pct(keys, 0.5))} / "
                + (f"{ms(pct(keys, 0.99))} ms")
            )

        missed = []
        verdicts = []
        for k in floods:
            tui_p99, tmux_p99 = pct(r[f"tui_{k}"]["keys"], 0.99), pct(r[f"tmux_{k}"]["keys"], 0.99)
            target = max(3 * tmux_p99, TARGET_FLOOR)
            verdicts.append((tui_p99, target, tui_p99 <= target))
            if tui_p99 > target:
                missed.append(f"{k} flood: cockpit p99 {ms(tui_p99)} > {ms(target)} ms")
        print("  key-to-echo under the floods, one key at a time:")
        line(f"  cockpit, p50 / p99 ({args.keys} keys)", each(lambda t, _: p50_99(t["keys"])))
        line(f"  tmux client, p50 / p99 ({args.keys} keys)", each(lambda _, c: p50_99(c["keys"])))
        line(
            "  cockpit p99 <= max(3x tmux p99, 25 ms)",
            [f"{ms(p)} <= {ms(t)} ms" for p, t, _ in verdicts],
            "",
            all(ok for _, _, ok in verdicts),
        )
        line(
            "  cockpit p99 / tmux p99",
            each(lambda t, c: f"{pct(t['keys'], 0.99) / pct(c['keys'], 0.99):.1f}x"),
        )
        line(
            "  max, cockpit / tmux",
            each(lambda t, c: f"{ms(max(t['keys']))} / {ms(max(c['keys']))}"),
        )
        line(
            f"  {BURST} keys 2 ms apart, last echo, cockpit / tmux",
            each(lambda t, c: f"{ms(t['burst'])} / {ms(c['burst'])} ms"),
        )
        line("cockpit CPU", each(lambda t, _: f"{t['cpu']:.0f} % core"))
        line(
            "tmux server CPU, cockpit / tmux client attached",
            each(lambda t, c: f"{t['tmux_cpu']:.0f} / {c['tmux_cpu']:.0f} % core"),
        )
        line(
            "flooders' output, cockpit / tmux client attached",
            each(lambda t, c: f"{t['flood_mb_s']:.1f} / {c['flood_mb_s']:.1f} MB/s"),
        )
        line("cockpit's output to its terminal", each(lambda t, _: f"{t['out_mb_s']:.2f} MB/s"))
        for name, key in (("cockpit", "tui_"), ("tmux client", "tmux_")):
            line(
                f"tmux server memory over the load, {name}",
                [f"{'-'.join(f'{m:.0f}' for m in r[key + k]['rss'])} MB" for k in floods],
            )
        print("  " + "-" * width)
        for name, key in (("cockpit", "tui_idle"), ("tmux client", "tmux_idle")):
            row(f"key-to-echo idle, {name}: p50 / p99", p50_99(r[key]), "", None)
        idle = r["tui_cpu_idle"]
        row(
            f"cockpit CPU, 9 panes idle ({args.idle_seconds:g} s)",
            f"{idle:.2f} % core",
            "< 2 %",
            idle < 2,
        )
        row("tmux server CPU, idle, cockpit attached", f"{r['tmux_cpu_idle']:.1f} % core", "", None)
        frames, flood_s = r["stats"]["frames"], r["flood_s"]
        fps = [n / flood_s for agent, n in frames.items() if agent.startswith("flood")]
        if len(fps) != FLOODERS:
            raise BenchError(f"frame stats for {len(fps)} flood panes, not {FLOODERS}: {frames}")
        row(
            f"frames per busy pane ({flood_s:.0f} s flooding): min / median",
            f"{min(fps):.1f} / {statistics.median(fps):.1f} /s",
            ">= 10 /s",
            min(fps) >= 10,
        )
        row(
            "  frames of the taken-over echo pane (whole run)", f"{frames.get('echo', 0)}", "", None
        )
        order = keys_in_order(bytes(self.echo.sent), self.keys_log)
        row("keys sent, all reached the agent once, in order", order or "yes", "yes", not order)
        if order:
            missed.append(f"keys: {order}")
        if min(fps) < 10:
            missed.append("frames per busy pane")
        for k in floods:
            first, middle, last = r[f"tui_{k}"]["rss"]
            if last - middle > 30:
                print(
                    f"\n  The tmux server's memory grew {last - middle:.0f} MB in the second half of"
                    f"\n  the cockpit's {k} flood: its control-mode output to the cockpit was falling"
                    "\n  behind the flood, and command replies (captures) wait behind that backlog."
                )
        for series, why in self.echo.late.items():
            print(f"\n{series}: first late echo: {why}")
        print(f"\nverdict: {'ok' if not missed else 'MISSED: ' + '; '.join(missed)}", flush=True)


def keys_in_order(sent: bytes, log: Path) -> str:
    """'' if the echo agent got exactly `sent`, else what went wrong (lost, doubled,
    reordered keys: where the two first differ)."""
    got = log.read_bytes() if log.exists() else b""
    if got == sent:
        return ""
    at = next((i for i, (a, b) in enumerate(zip(sent, got, strict=False)) if a != b), None)
    at = min(len(sent), len(got)) if at is None else at
    return (
        f"{len(sent)} sent, {len(got)} got; first difference at key {at + 1}: "
        f"sent {sent[at : at + 8]!r}, got {got[at : at + 8]!r}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument(
        "--flood-pause",
        type=float,
        default=0.0,
        help="seconds each flooder sleeps between writes (default 0: flat out)",
    )
    parser.add_argument(
        "--floods",
        type=lambda v: tuple(v.split(",")),
        default=FLOODS,
        help="which floods, in order (default batch,lines; see above)",
    )
    parser.add_argument("--seed", type=int, default=None, help="for the key spacing")
    args = parser.parse_args()
    random.seed(args.seed)

    print(
        f"cockpit vs tmux: 1 echo + {FLOODERS} flooding agents, {COLS}x{ROWS}, "
        f"{os.cpu_count()} cores, {subprocess.getoutput('tmux -V')}",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="otc", dir="/tmp"))
    bench = Bench(args, tmp)
    try:
        bench.up()
        bench.cockpit()
        bench.tmux_client()
        bench.report()
    except BenchError as e:
        print(f"\nbench failed: {e}", file=sys.stderr)
        return 1
    finally:
        bench.down()
        subprocess.run(["rm", "-rf", str(tmp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
