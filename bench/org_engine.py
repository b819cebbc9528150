"""Org engine figures beside their targets (issue: the org engine).

    .venv/bin/python bench/org_engine.py [--agents 8] [--cpu-seconds 60] [--repeat 20]

Makes a fresh git repository and an org of shell agents in a temporary folder (with its own
runtime folder), then measures, with the real CLI, orgd and tmux:
  - `orgtui up` of the whole org (wall time of the command, until orgd answers);
  - `orgtui up` again on the running org (re-adopt), and after orgd was killed with SIGKILL;
  - the `status` round trip over orgd's socket (and the whole `orgtui status` command);
  - `send` to a ready agent until the text is visible in its pane;
  - orgd's CPU with the agents idle, as a share of one core.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.protocol.client import call  # noqa: E402
from orgtui.protocol.org import Send  # noqa: E402
from orgtui.protocol.status import OrgStatus, Status  # noqa: E402

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def make_repo(path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    for i in range(50):
        (path / f"module_{i}.py").write_text(f"# module {i}\n" + "x = 1\n" * 40)
    subprocess.run(["git", "-C", str(path), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-qm", "initial"],
        check=True,
        env={**os.environ, **GIT_ENV},
    )


def org_text(repo: Path, agents: int) -> str:
    return f"""
[org]
name = "bench"
repo = "{repo}"

[[agent]]
name = "shell"
count = {agents}
command = ["bash", "--norc", "--noprofile"]
"""


def orgtui(env: dict[str, str], *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "orgtui", *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"orgtui {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return elapsed, proc.stdout


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def row(name: str, value: str, target: str, ok: bool) -> None:
    print(f"  {name:<44} {value:>16}   {target:<10} {'ok' if ok else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--cpu-seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="otb", dir="/tmp"))
    runtime = tmp / "run"
    runtime.mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ORGTUI_") and k not in ("TMUX", "TMUX_PANE")
    }
    env.update(GIT_ENV, XDG_RUNTIME_DIR=str(runtime))
    repo = tmp / "repo"
    make_repo(repo)
    org = tmp / "bench.toml"
    org.write_text(org_text(repo, args.agents))
    org.chmod(0o644)
    sock = None
    try:
        print(
            f"org engine, {args.agents} shell agents, {os.cpu_count()} cores, tmux {subprocess.getoutput('tmux -V')}"
        )
        print(f"  {'figure':<44} {'measured':>16}   {'target':<10}")
        up_s, _ = orgtui(env, "up", str(org))
        row(f"up, {args.agents} agents, fresh repo", f"{up_s:.2f} s", "< 3 s", up_s < 3)

        status = call_status(runtime, org)
        sock = Path(status.tmux_socket).with_name("orgd.sock")
        wait_running(sock, args.agents)

        again = [orgtui(env, "up", str(org))[0] for _ in range(3)]
        row(
            "up on the running org (re-adopt)",
            f"{statistics.median(again):.2f} s",
            "< 1 s",
            max(again) < 1,
        )

        os.kill(call(sock, Status()).daemon_pid, signal.SIGKILL)
        time.sleep(0.2)
        adopt_s, _ = orgtui(env, "up", str(org))
        row("up after orgd was SIGKILLed (adopt panes)", f"{adopt_s:.2f} s", "< 1 s", adopt_s < 1)
        wait_running(sock, args.agents)

        rtts = []
        for _ in range(args.repeat * 5):
            start = time.perf_counter()
            call(sock, Status())
            rtts.append(time.perf_counter() - start)
        p50, p99 = pct(rtts, 0.5) * 1e3, pct(rtts, 0.99) * 1e3
        row(
            "status round trip (socket), p50 / p99",
            f"{p50:.1f} / {p99:.1f} ms",
            "< 50 ms",
            p99 < 50,
        )
        cli = [orgtui(env, "status", "--json")[0] for _ in range(5)]
        cli_ms = statistics.median(cli) * 1e3
        row("`orgtui status --json` command, median", f"{cli_ms:.0f} ms", "(info)", True)

        tmux_sock = status.tmux_socket
        time.sleep(2.5)  # every agent quiet: ready
        sends = []
        for i in range(args.repeat):
            marker = f"m{i}x{os.getpid()}"
            start = time.perf_counter()
            call(sock, Send(agent="shell-1", text=f": {marker}", timeout_s=10), timeout=30)
            while marker not in capture(tmux_sock, "shell-1"):
                time.sleep(0.002)
            sends.append(time.perf_counter() - start)
            time.sleep(2.2)  # let the pane go quiet again (activity has 1 s resolution)
        s50, s99 = pct(sends, 0.5) * 1e3, max(sends) * 1e3
        row(
            "send to a ready agent, visible: p50 / max",
            f"{s50:.0f} / {s99:.0f} ms",
            "< 200 ms",
            s99 < 200,
        )

        pid = call(sock, Status()).daemon_pid
        hz = os.sysconf("SC_CLK_TCK")
        before, t0 = cpu_ticks(pid), time.perf_counter()
        time.sleep(args.cpu_seconds)
        used = (cpu_ticks(pid) - before) / hz
        share = 100 * used / (time.perf_counter() - t0)
        row(
            f"orgd CPU, {args.agents} idle agents, {args.cpu_seconds:.0f} s",
            f"{share:.2f} % core",
            "< 1 %",
            share < 1,
        )
    finally:
        subprocess.run(
            [sys.executable, "-m", "orgtui", "down", "--org", str(org)],
            env=env,
            capture_output=True,
        )
        subprocess.run(["rm", "-rf", str(tmp)])
    return 0


def call_status(runtime: Path, org: Path) -> OrgStatus:
    folder = next(p for p in (runtime / "orgtui").iterdir() if p.name.startswith("bench-"))
    return call(folder / "orgd.sock", Status())


def wait_running(sock: Path, n: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        agents = call(sock, Status()).agents
        if len(agents) == n and all(a.state == "running" for a in agents):
            return
        time.sleep(0.05)
    raise SystemExit("agents did not come up")


def capture(tmux_sock: str, window: str) -> str:
    return subprocess.run(
        ["tmux", "-S", tmux_sock, "capture-pane", "-p", "-t", f"=bench:={window}"],
        capture_output=True,
        text=True,
    ).stdout


if __name__ == "__main__":
    sys.exit(main())
