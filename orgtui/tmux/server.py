"""An org's private tmux server: start, adopt, windows per agent, buffers, kill.

Commands run as `tmux -S <socket> ...` with argv (no shell) and without `TMUX`/`TMUX_PANE`
in their environment, so a person's own tmux never mixes with the org's. Arguments tmux
expands as formats are escaped here, at the one place they are built.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from orgtui.tmux.quoting import escape_format

PANE_FORMAT = "\t".join(
    [
        "#{window_name}",
        "#{window_id}",
        "#{pane_id}",
        "#{pane_pid}",
        "#{pane_dead}",
        "#{pane_dead_status}",
        "#{window_activity}",
        "#{window_width}",
        "#{window_height}",
        "#{pane_pipe}",
    ]
)


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
        argument, tmux would hand the command to `sh -c`, and commands are never run by a shell."""
        return ["env", *(f"{k}={v}" for k, v in self.env.items()), *self.argv]


@dataclass(frozen=True)
class PaneInfo:
    """One line of `list-panes` in `PANE_FORMAT`."""

    window: str
    window_id: str
    pane_id: str
    pid: int
    dead: bool
    dead_status: int | None
    activity: int
    width: int
    height: int
    pipe: bool = False
    """Whether a `pipe-pane` logger is attached."""

    @classmethod
    def parse(cls, line: str) -> PaneInfo | None:
        parts = line.split("\t")
        if len(parts) != 10:
            return None
        name, wid, pid_, pane_pid, dead, status, activity, w, h, pipe = parts
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
        out = self.run(
            "-f",
            str(config),
            "new-session",
            "-d",
            "-P",
            "-F",
            "#{pane_id}",
            "-s",
            session,
            "-x",
            str(first.cols),
            "-y",
            str(first.rows),
            *self.window_args(first),
            "--",
            *first.command(),
        )
        self.run(
            "resize-window",
            "-t",
            f"={session}:={first.name}",
            "-x",
            str(first.cols),
            "-y",
            str(first.rows),
        )
        return out.strip()

    def new_window(self, session: str, spec: WindowSpec) -> str:
        """Add an agent's window at its size; its pane id."""
        self.run("set-option", "-t", session, "default-size", f"{spec.cols}x{spec.rows}")
        out = self.run(
            "new-window",
            "-d",
            "-P",
            "-F",
            "#{pane_id}",
            "-t",
            f"={session}:",
            *self.window_args(spec),
            "--",
            *spec.command(),
        )
        pane = out.strip()
        self.run("resize-window", "-t", pane, "-x", str(spec.cols), "-y", str(spec.rows))
        return pane

    def pane_pid(self, pane: str) -> int:
        """The pid of the program running in `pane` (0 if tmux does not say)."""
        out = self.run("display-message", "-p", "-t", pane, "#{pane_pid}").strip()
        return int(out) if out.isdigit() else 0

    def respawn(self, pane: str, spec: WindowSpec) -> None:
        """Run the agent's command again in its dead pane."""
        self.run(
            "respawn-pane",
            "-k",
            "-t",
            pane,
            "-c",
            escape_format(str(spec.cwd)),
            "--",
            *spec.command(),
        )

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
