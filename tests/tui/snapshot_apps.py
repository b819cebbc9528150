"""Cockpit panes and the Progress section with known contents, for snapshot tests and the
screenshots script: no org needed, every byte on screen fixed."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult
from textual.containers import Grid

from orgtui.config.model import Role
from orgtui.protocol.progress import AgentProgress, Point, ProgressReport, Score, Start
from orgtui.protocol.status import AgentState, AgentStatus
from orgtui.tui.pane import AgentPane
from orgtui.tui.sidepanel.progress import ProgressView

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


def progress_report(points: bool = True) -> ProgressReport:
    """An org 15 minutes in: its starting baseline 4.4665 ± 0.01, and (with `points`) two
    promotions that improved the best (to 4.1 at 4m 10s, to 3.7235 at 10m); three agents, one
    of whose screening wins verification rejected."""
    found = [Point(t=250.0, device_hours=0.02, best=4.1, promotion=1),
             Point(t=600.0, device_hours=0.05, best=3.7235, promotion=3)]  # fmt: skip
    score = Score(auc=0.3902, improvement=0.743, improvement_sigma=74.3, time_to_first_win=250.0,
                  device_hours_per_win=0.045, false_discoveries=1, screening_wins=3,
                  verified_wins=2,
                  compute_share={"baselines": 0.25, "verification": 0.35, "experiments": 0.4,
                                 "other": 0.0})  # fmt: skip
    if not points:
        score = Score(auc=0.0, improvement=0.0, improvement_sigma=0.0, time_to_first_win=None,
                      device_hours_per_win=None, false_discoveries=0, screening_wins=0,
                      verified_wins=0,
                      compute_share={"baselines": 0.6, "verification": 0.0, "experiments": 0.4,
                                     "other": 0.0})  # fmt: skip
    agents = [AgentProgress("alice", groups=5, better=2, verified_wins=2, false_discoveries=0,
                            device_hours=0.04),
              AgentProgress("bob", groups=4, better=1, verified_wins=0, false_discoveries=1,
                            device_hours=0.03),
              AgentProgress("carol", groups=2, better=0, verified_wins=0, false_discoveries=0,
                            device_hours=0.01)]  # fmt: skip
    if not points:
        agents = [replace(a, better=0, verified_wins=0, false_discoveries=0) for a in agents]
    return ProgressReport(metric="val_bpb", goal="minimize", start=Start(4.4665, 0.01),
                          points=found if points else [], score=score, agents=agents,
                          horizon=900.0)  # fmt: skip


class ProgressApp(App[None]):
    """The Progress section, as wide as the side panel, fed `report`."""

    CSS = "ProgressView { width: 60; border-left: vkey $panel-lighten-2; }"

    def __init__(self, report: ProgressReport) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        yield ProgressView(id="progress-view")

    def on_mount(self) -> None:
        self.call_after_refresh(self.feed)

    def feed(self) -> None:
        self.query_one(ProgressView).update_progress(self.report)
