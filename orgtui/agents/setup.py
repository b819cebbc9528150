"""A new worktree made ready before its agent starts: `copy` files, then `setup`.

When orgd makes an agent's worktree and the agent has `copy` or `setup`, it records the
worktree's setup as `pending` in `<workdir>/setup/<agent>.json`. Until that record says `ok`,
the agent's pane runs this module first (`python -m orgtui.agents.setup RECORD -- COMMAND`):
in the worktree, with the agent's environment, it copies each `copy` path missing there from
the repository (never over a file that exists), runs `setup` with `/bin/sh -c`, its output in
the pane and so in the agent's log, and then becomes the agent's command. A failure is
recorded (`status` shows it), said in the pane, and the pane waits there: the agent's command
does not start on a worktree that is not set up. `orgtui restart AGENT` tries again, with the
org file's `setup` and `copy` as they are then. Once it succeeded it never runs again for
that worktree; a worktree made anew (after `down --clean`) runs it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

from orgtui.config.model import AgentSpec

PIPE_WAIT_SECONDS = 3.0


def record_path(workdir: Path, agent: str) -> Path:
    """Where an agent's worktree setup is recorded."""
    return workdir / "setup" / f"{agent}.json"


def read_record(workdir: Path, agent: str) -> dict[str, Any] | None:
    """The agent's setup record, or None when there is none (nothing to set up)."""
    try:
        data = json.loads(record_path(workdir, agent).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.chmod(0o600)
    tmp.replace(path)


def _pending(spec: AgentSpec, repo: Path) -> dict[str, Any]:
    return {"state": "pending", "setup": spec.setup, "copy": list(spec.copy),
            "repo": str(repo), "exit": None, "error": None, "at": time.time()}  # fmt: skip


def new_worktree(workdir: Path, spec: AgentSpec, repo: Path) -> None:
    """orgd made the agent's worktree: record its setup as pending (or that it has none)."""
    path = record_path(workdir, spec.name)
    if spec.setup or spec.copy:
        _write(path, _pending(spec, repo))
    else:
        path.unlink(missing_ok=True)


def pane_argv(workdir: Path, spec: AgentSpec, repo: Path) -> tuple[str, ...]:
    """What the agent's pane runs: its command, behind this module's setup while the
    worktree's setup has not succeeded (recorded again from `spec` at each start)."""
    record = read_record(workdir, spec.name)
    if record is None or record.get("state") == "ok":
        return spec.command
    path = record_path(workdir, spec.name)
    if not (spec.setup or spec.copy):
        path.unlink(missing_ok=True)
        return spec.command
    _write(path, _pending(spec, repo))
    return (sys.executable, "-m", "orgtui.agents.setup", str(path), "--", *spec.command)


def describe(record: dict[str, Any] | None) -> str | None:
    """The setup's state for `status`: `pending`, `running`, `ok`, `failed (exit 1)`,
    `failed: <why>`; None when the agent has nothing to set up."""
    if record is None:
        return None
    state = str(record.get("state"))
    if state != "failed":
        return state
    if record.get("error"):
        return f"failed: {record['error']}"
    return f"failed (exit {record.get('exit')})"


# -- in the pane ----------------------------------------------------------------------------


def _wait_for_log_pipe() -> None:
    """Wait (a little) until orgd has attached the pane's logger, so the log has it all."""
    pane = os.environ.get("TMUX_PANE")
    if not pane or not os.environ.get("TMUX"):
        return
    deadline = time.monotonic() + PIPE_WAIT_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            piped = subprocess.run(["tmux", "display-message", "-p", "-t", pane, "#{pane_pipe}"],
                                   capture_output=True, text=True, timeout=2)  # fmt: skip
            if piped.stdout.strip() == "1" or piped.returncode != 0:
                return
        time.sleep(0.05)


def _copy(repo: Path, paths: list[str]) -> str | None:
    """Copy each path missing here from `repo`; why not, on the first that cannot be."""
    for relative in paths:
        source, target = repo / relative, Path.cwd() / relative
        if target.exists() or target.is_symlink():
            print(f"orgtui: copy {relative}: already here, kept")
            continue
        if not source.exists():
            return f"copy {relative}: not found in the repository {repo}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target)
        except OSError as error:
            return f"copy {relative}: {error.strerror or error}"
        print(f"orgtui: copied {relative} from {repo}")
    return None


def _fail(path: Path, record: dict[str, Any], said: str) -> None:
    _write(path, record)
    agent = os.environ.get("ORGTUI_AGENT", "AGENT")
    print(f"\norgtui: {said}. The agent's command does not start on a worktree that is not "
          f"set up: fix it, then `orgtui restart {agent}`.", flush=True)  # fmt: skip
    while True:
        signal.pause()


def main(argv: list[str]) -> None:
    """`python -m orgtui.agents.setup RECORD -- COMMAND...`"""
    path, command = Path(argv[0]), argv[argv.index("--") + 1 :]
    record = json.loads(path.read_text())
    _wait_for_log_pipe()
    record.update(state="running", at=time.time())
    _write(path, record)
    problem = _copy(Path(record["repo"]), list(record.get("copy") or []))
    if problem is not None:
        record.update(state="failed", error=problem, at=time.time())
        _fail(path, record, f"setup failed: {problem}")
    setup = record.get("setup")
    if setup:
        print(f"orgtui: setting up this worktree: {setup}", flush=True)
        code = subprocess.run(["/bin/sh", "-c", setup], stdin=subprocess.DEVNULL).returncode
        if code != 0:
            record.update(state="failed", exit=code, at=time.time())
            _fail(path, record, f"setup failed (exit {code}): {setup}")
        print("orgtui: setup done", flush=True)
    record.update(state="ok", exit=0, at=time.time())
    _write(path, record)
    with contextlib.suppress(OSError, termios.error):
        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)  # what was typed meanwhile
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"orgtui: cannot run {command[0]}: {error.strerror}", file=sys.stderr)
        sys.exit(127)


if __name__ == "__main__":
    main(sys.argv[1:])
