"""An agent's life as orgd sees it: state, activity, and the restart policy with backoff.

Pure: `observe` takes what tmux reports about the agent's pane and the time, and returns what
to do (nothing, or restart now). Crash loops stop after `MAX_QUICK_EXITS` quick exits in a row.
Its activity is what its screen's markers say (`markers.py`: working is `busy` however still
or lively its screen, a question to a person is `waiting`), else whether it printed lately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orgtui.agents.markers import Mark

State = Literal["starting", "running", "restarting", "exited", "crashed", "stopped"]
"""`restarting`: its program ended and orgd starts it again once the backoff has passed
(its exit status kept); `exited` (status 0) and `crashed`: ended for good, or given up."""

QUICK_EXIT_SECONDS = 10.0
MAX_QUICK_EXITS = 5
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
STARTING_SECONDS = 1.0
IDLE_AFTER = 2.0
STATUS_WAIT = 2.0
"""How long a dead pane waits for its exit status: tmux closes a pane's terminal a moment
before it learns how the process ended (and when tmux misses that, the status is read from the
zombie: tmux.server.zombie_status). Past it the status is unknown, which counts as a failure."""


def backoff(quick_exits: int) -> float:
    """Seconds to wait before restarting after `quick_exits` quick exits in a row."""
    if quick_exits <= 0:
        return BACKOFF_FIRST
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (quick_exits - 1))


@dataclass
class AgentLife:
    """What orgd knows of one agent's pane over time."""

    restart_policy: str
    state: State = "starting"
    pane_id: str | None = None
    pid: int | None = None
    started_at: float = 0.0
    exit_status: int | None = None
    restarts: int = 0
    quick_exits: int = 0
    restart_at: float | None = None
    activity: float = 0.0
    gave_up: bool = False
    dead_since: float | None = None
    mark: Mark | None = None
    """What its screen's markers said at the last reading (None: no marker, or no table)."""

    @property
    def alive(self) -> bool:
        """Whether its program is running (or starting) in its pane."""
        return self.state in ("starting", "running")

    def launched(self, pane_id: str, pid: int, now: float) -> None:
        """The pane was (re)started."""
        self.pane_id, self.pid, self.started_at = pane_id, pid, now
        self.state, self.exit_status, self.restart_at = "starting", None, None
        self.dead_since = None

    def adopted(self, pane_id: str, pid: int, dead: bool, status: int | None, now: float) -> None:
        """orgd found this pane already running (after a restart of orgd)."""
        self.pane_id, self.pid, self.started_at = pane_id, pid, now - STARTING_SECONDS
        self.state = "running"
        if dead:  # it exited while no orgd watched: its restart policy applies now
            self._exited(status, now)

    def observe(self, dead: bool, status: int | None, activity: float, now: float) -> bool:
        """Fold in one reading of the pane; True when orgd should respawn it now."""
        self.activity = activity
        if self.state == "stopped":
            return False
        if not dead:
            if self.state == "starting" and now - self.started_at >= STARTING_SECONDS:
                self.state = "running"
            return False
        if self.alive:
            # tmux marks a pane dead when its terminal closes and learns the exit status when it
            # reaps the process, a moment later: wait a little for the status.
            if status is None and (self.dead_since is None or now - self.dead_since < STATUS_WAIT):
                self.dead_since = now if self.dead_since is None else self.dead_since
                return False
            self._exited(status, now)
        return self.restart_at is not None and now >= self.restart_at

    def _exited(self, status: int | None, now: float) -> None:
        self.exit_status = status
        self.state = "exited" if status == 0 else "crashed"
        wanted = self.restart_policy == "always" or (
            self.restart_policy == "on-failure" and status != 0
        )
        if not wanted:
            return
        quick = now - self.started_at < QUICK_EXIT_SECONDS
        self.quick_exits = self.quick_exits + 1 if quick else 0
        if self.quick_exits >= MAX_QUICK_EXITS:
            self.gave_up = True
            self.state = "crashed"
            return
        self.state = "restarting"
        self.restart_at = now + backoff(self.quick_exits)

    def restarted(self, pane_id: str, pid: int, now: float) -> None:
        self.restarts += 1
        self.launched(pane_id, pid, now)

    def activity_state(self, now: float) -> tuple[str, float]:
        """(`busy`, `idle` or `waiting` (for a person), seconds since the pane last printed).
        Its screen's markers decide when they say it works or asks; a prompt, or no marker,
        leaves it to whether the pane printed in the last `IDLE_AFTER` seconds."""
        idle = max(0.0, now - self.activity) if self.activity else 0.0
        if self.mark == "person":
            return "waiting", idle
        if self.mark == "working":
            return "busy", idle
        return ("idle" if idle >= IDLE_AFTER else "busy"), idle
