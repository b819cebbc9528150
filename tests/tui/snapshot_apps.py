"""Cockpit panes with known contents, for snapshot tests and the screenshots script: no org
needed, every byte on screen fixed."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult
from textual.containers import Grid

from orgtui.config.model import Role
from orgtui.protocol.status import AgentState, AgentStatus
from orgtui.tui.pane import AgentPane

GRADIENT = (
    "".join(f"\x1b[38;2;{255 - i * 8};{i * 8};200m█" for i in range(32)) + "\x1b[0m truecolor"
)
CAPTURES = {
    "claude-1": (
        "$ python train.py --time 300 --seed 1\n"
        f"{GRADIENT}\n"
        "\x1b[1;32mstep 120/400\x1b[0m | loss 3.412 | \x1b[2mdt 41ms\x1b[0m | tok/sec 48,210\n"
        "\x1b[44;97m a style that starts here\n"
        "and spans onto the next line \x1b[0m back to plain\n"
        "\x1b[3mitalic\x1b[0m \x1b[4munderline\x1b[0m \x1b[7mreverse\x1b[0m \x1b[9mstrike\x1b[0m\n"
        "\x1b[38;5;208m256-colour orange\x1b[0m \x1b[91mbright red\x1b[0m\n"
        "$ "
    ),
    "codex-1": (
        "😀 emoji | aligned\n"
        "中文字符 | aligned\n"
        "plain    | aligned\n"
        "\x1b[1mcodex\x1b[0m> rewrite the attention kernel"
    ),
}


def agent(
    name: str,
    role: Role,
    state: AgentState,
    activity: str,
    idle_seconds: float,
    exit_status: int | None = None,
) -> AgentStatus:
    """An agent as orgd's status sends it, on its own branch, with no device or metric."""
    return AgentStatus(name=name, role=role, kind="shell", branch=f"program/softcap--{name}",
                       worktree=f"/tmp/worktrees/{name}", state=state, activity=activity,
                       idle_seconds=idle_seconds, exit_status=exit_status, pane_pid=None,
                       restarts=0, size=[80, 24], device=None, last_metric=None)  # fmt: skip


INFOS = {
    "claude-1": replace(agent("claude-1", "solo", "running", "busy", 0.0),
                        last_verdict="group 7: better"),
    "codex-1": replace(agent("codex-1", "junior", "running", "idle", 312.0),
                       last_verdict="group 5: within_noise"),
    "shell-1": replace(agent("shell-1", "solo", "crashed", "idle", 40.0, exit_status=2),
                       last_verdict="group 3: invalid"),
}  # fmt: skip
"""Their titles end with each kind of latest verdict's colour (green, dim, magenta)."""


class PanesApp(App[None]):
    """Three agent panes fed fixed screens."""

    CSS = "Grid { grid-size: 2 2; }"

    def compose(self) -> ComposeResult:
        with Grid():
            for name in INFOS:
                yield AgentPane(name)

    def on_mount(self) -> None:
        self.call_after_refresh(self.feed)

    def feed(self) -> None:
        for pane in self.query(AgentPane):
            pane.set_info(INFOS[pane.agent])
            width, height = pane.view_size
            capture = CAPTURES.get(pane.agent, "")
            last = capture.split("\n")[-1]
            pane.show(capture, (width, height), (len(last), capture.count("\n"), True))
        self.query(AgentPane).first().focus()
