"""An org's private tmux server: start, adopt, windows per agent, buffers, kill.

Commands run as `tmux -S <socket> ...` with argv (no shell) and without `TMUX`/`TMUX_PANE`
in their environment, so a person's own tmux never mixes with the org's. Arguments tmux
expands as formats are escaped here, at the one place they are built.

An agent's environment holds secrets (`env = { API_KEY = ... }`), and every user on the machine
can read every process's argv (`ps`, /proc/PID/cmdline). So the commands that start a pane
(`new-window`, `respawn-pane`) never carry the environment on a command line: they are written
to the stdin of `tmux source-file -`, with the environment as `-e NAME=VALUE` arguments, which
tmux sets in the pane's process before it execs the agent's command (not as `env NAME=VALUE`
words, which would show in argv). tmux keeps `-e` values to that one pane; `new-session -e`
would put them in the session, shared by every window, so the first window starts a placeholder
that is respawned at once with its agent's command and environment. tmux gives a pane the PATH
of the client that started it, whatever `-e` says, so that client runs with the pane's PATH
(a process's environment is its user's to read alone). The environment stays out of files
too: it lives only in tmux's memory and the pane's process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from orgtui.tmux.quoting import escape_format, script_line

PANE_FORMAT = "\t".join(
    [
        "#{window_name}",
        "#{window_id}",
        "#{pane_id}",
        "#{pane_pid}",
        "#{pane_dead}",
        "#{pane_dead_status}",
        "#{pane_dead_signal}",
        "#{window_activity}",
        "#{window_width}",
        "#{window_height}",
        "#{pane_pipe}",
    ]
)


# What the session's first window runs until its agent is respawned into it, at once.
PLACEHOLDER = ("sleep", "86400")


class TmuxError(Exception):
    """A tmux command failed; the message carries tmux's own words."""


@dataclass(frozen=True)
class WindowSpec:
    """What an agent's window runs, where, with what environment, at what size."""

    name: str
    cwd: Path
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    cols: int = 80
    rows: int = 24

    def command(self) -> list[str]:
        """The pane's argv. `env` goes first so tmux always execs it directly: given one
        argument, tmux would hand the command to `sh -c`, and commands are never run by a shell.
        The environment is not in it (see `env_args`)."""
        return ["env", "--", *self.argv]

    def env_args(self) -> list[str]:
        """`-e NAME=VALUE` for each variable, for a command sent on tmux's stdin."""
        return [arg for k, v in self.env.items() for arg in ("-e", f"{k}={v}")]


def zombie_status(pid: int) -> int | str:
    """How process `pid` ended, read from the kernel while it is a zombie not reaped yet: its
    exit status, or 128 + the signal that killed it; "" when it is not a zombie.

    tmux 3.3a now and then misses the SIGCHLD of a pane's process: the pane is dead, its
    process a zombie, and `pane_dead_status` stays empty until some other child of tmux exits.
    The kernel has the status all along (the last field of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] != "Z" or len(fields) < 50 or not fields[-1].isdigit():
        return ""
    code = int(fields[-1])
    return 128 + (code & 0x7F) if code & 0x7F else (code >> 8) & 0xFF


@dataclass(frozen=True)
class PaneInfo:
    """One line of `list-panes` in `PANE_FORMAT`."""

    window: str
    window_id: str
    pane_id: str
    pid: int
    dead: bool
    dead_status: int | None
    """The exit status once tmux has reaped the process: a death by a signal is 128 + the
    signal, as a shell says it; None while tmux has not reaped it yet (a dead pane's terminal
    closes a moment before its process is reaped)."""
    activity: int
    width: int
    height: int
    pipe: bool = False
    """Whether a `pipe-pane` logger is attached."""

    @classmethod
    def parse(cls, line: str) -> PaneInfo | None:
        parts = line.split("\t")
        if len(parts) != 11:
            return None
        name, wid, pid_, pane_pid, dead, status, signal, activity, w, h, pipe = parts
        if not status.lstrip("-").isdigit() and signal.isdigit() and int(signal) > 0:
            status = str(128 + int(signal))
        if dead == "1" and not status.lstrip("-").isdigit() and pane_pid.isdigit():
            status = str(zombie_status(int(pane_pid)))
        return cls(
            window=name,
            window_id=wid,
            pane_id=pid_,
            pid=int(pane_pid or 0),
            dead=dead == "1",
            dead_status=int(status) if status.lstrip("-").isdigit() else None,
            activity=int(activity or 0),
            width=int(w or 0),
            height=int(h or 0),
            pipe=pipe == "1",
        )


def tmux_env() -> dict[str, str]:
    """This process's environment without the variables that tie tmux to a person's server."""
    return {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}


def render_config(org: str, escape_key: str = "F12") -> str:
    """The org server's tmux.conf."""
    text = resources.files("orgtui.tmux").joinpath("tmux.conf").read_text()
    return text.replace("@ORG@", escape_format(org)).replace("@ESCAPE@", escape_key)


class TmuxServer:
    """The tmux server on one socket."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def run(self, *args: str, input: str | None = None, check: bool = True) -> str:
        """Run one tmux command; its stdout, or TmuxError with tmux's message."""
        proc = subprocess.run(
            ["tmux", "-S", str(self.socket), *args],
            input=input,
            capture_output=True,
            text=True,
            env=tmux_env(),
        )
        if check and proc.returncode != 0:
            raise TmuxError(f"tmux {args[0]}: {proc.stderr.strip() or 'failed'}")
        return proc.stdout

    def run_hidden(
        self, *commands: list[str], config: Path | None = None, path: str | None = None
    ) -> str:
        """Run `commands` through `source-file -`, their arguments on tmux's stdin so that no
        `ps` shows them; their stdout, or TmuxError. With `config`, start the server first
        (reading that file) if none runs on the socket. `path` is the PATH of a pane these
        commands start: tmux gives a pane its client's PATH, whatever `-e` says."""
        start = ["-f", str(config), "start-server", ";"] if config else []
        script = "".join(script_line(*c) for c in commands)
        env = tmux_env()
        if path is not None:
            env["PATH"] = path
        proc = subprocess.run(
            [shutil.which("tmux") or "tmux", "-S", str(self.socket), *start, "source-file", "-"],
            input=script,
            capture_output=True,
            text=True,
            env=env,
        )
        if proc.returncode != 0:
            name = commands[0][0] if commands else "source-file"
            raise TmuxError(f"tmux {name}: {proc.stderr.strip() or 'failed'}")
        return proc.stdout

    def has_session(self, session: str) -> bool:
        if not self.socket.exists():
            return False
        proc = subprocess.run(
            ["tmux", "-S", str(self.socket), "has-session", "-t", f"={session}"],
            capture_output=True,
            env=tmux_env(),
        )
        return proc.returncode == 0

    @staticmethod
    def window_args(spec: WindowSpec) -> list[str]:
        """The arguments shared by new-session and new-window for an agent's window."""
        return ["-n", escape_format(spec.name), "-c", escape_format(str(spec.cwd))]

    def start(self, config: Path, session: str, first: WindowSpec) -> str:
        """Start the server with `config` and the org's session holding `first`; its pane id."""
        window = f"={session}:={first.name}"
        out = self.run_hidden(
            ["new-session", "-d", "-P", "-F", "#{pane_id}", "-s", session,
             "-x", str(first.cols), "-y", str(first.rows), *self.window_args(first),
             "--", *PLACEHOLDER],
            ["respawn-pane", "-k", "-t", window, "-c", escape_format(str(first.cwd)),
             *first.env_args(), "--", *first.command()],
            config=config,
            path=first.env.get("PATH"),
        )  # fmt: skip
        self.run(
            "resize-window",
            "-t",
            window,
            "-x",
            str(first.cols),
            "-y",
            str(first.rows),
        )
        return out.strip()

    def new_window(self, session: str, spec: WindowSpec) -> str:
        """Add an agent's window at its size; its pane id."""
        self.run("set-option", "-t", session, "default-size", f"{spec.cols}x{spec.rows}")
        out = self.run_hidden(
            ["new-window", "-d", "-P", "-F", "#{pane_id}", "-t", f"={session}:",
             *self.window_args(spec), *spec.env_args(), "--", *spec.command()],
            path=spec.env.get("PATH"),
        )  # fmt: skip
        pane = out.strip()
        self.run("resize-window", "-t", pane, "-x", str(spec.cols), "-y", str(spec.rows))
        return pane

    def pane_pid(self, pane: str) -> int:
        """The pid of the program running in `pane` (0 if tmux does not say)."""
        out = self.run("display-message", "-p", "-t", pane, "#{pane_pid}").strip()
        return int(out) if out.isdigit() else 0

    def respawn(self, pane: str, spec: WindowSpec) -> None:
        """Run the agent's command again in its dead pane."""
        self.run_hidden(
            ["respawn-pane", "-k", "-t", pane, "-c", escape_format(str(spec.cwd)),
             *spec.env_args(), "--", *spec.command()],
            path=spec.env.get("PATH"),
        )  # fmt: skip

    def panes(self, session: str) -> list[PaneInfo]:
        out = self.run("list-panes", "-s", "-t", f"={session}", "-F", PANE_FORMAT)
        return [p for p in map(PaneInfo.parse, out.splitlines()) if p]

    def paste(self, pane: str, text: str, buffer: str) -> None:
        """Paste `text` into `pane` (bracketed if the program asked for it), through a named
        buffer loaded from stdin so the text never passes through tmux's command parser."""
        self.run("load-buffer", "-b", buffer, "-", input=text)
        self.run("paste-buffer", "-d", "-p", "-b", buffer, "-t", pane)

    def kill(self) -> None:
        self.run("kill-server", check=False)
