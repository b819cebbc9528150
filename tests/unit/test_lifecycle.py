"""An agent's life: states, restart policies, backoff, crash loops, the wait for an exit
status, and busy/idle. Pure: driven with explicit times, nothing sleeps."""

from __future__ import annotations

import pytest

from orgtui.agents.lifecycle import (
    BACKOFF_MAX,
    IDLE_AFTER,
    MAX_QUICK_EXITS,
    QUICK_EXIT_SECONDS,
    STARTING_SECONDS,
    STATUS_WAIT,
    AgentLife,
    backoff,
)

T0 = 1_700_000_000.0  # a unix time, as orgd passes


def launched(policy: str, now: float = T0) -> AgentLife:
    life = AgentLife(restart_policy=policy)
    life.launched("%1", 100, now)
    return life


def test_constants_are_the_documented_ones() -> None:
    assert (MAX_QUICK_EXITS, QUICK_EXIT_SECONDS, BACKOFF_MAX) == (5, 10.0, 30.0)


def test_backoff_doubles_from_half_a_second_up_to_thirty() -> None:
    assert [backoff(n) for n in range(10)] == [
        0.5,
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
        30.0,
    ]
    assert backoff(-1) == 0.5
    assert backoff(100) == BACKOFF_MAX


def test_a_launched_pane_is_starting_then_running() -> None:
    life = launched("no")
    assert (life.state, life.pane_id, life.pid) == ("starting", "%1", 100)
    assert life.observe(False, None, T0, T0 + STARTING_SECONDS / 2) is False
    assert life.state == "starting"
    assert life.observe(False, None, T0, T0 + STARTING_SECONDS) is False
    assert life.state == "running"


@pytest.mark.parametrize(
    "policy, status, state, restarts",
    [
        ("no", 0, "exited", False),
        ("no", 1, "crashed", False),
        ("on-failure", 0, "exited", False),
        ("on-failure", 1, "restarting", True),
        ("on-failure", 137, "restarting", True),
        ("always", 0, "restarting", True),
        ("always", 2, "restarting", True),
    ],
)
def test_restart_policy(policy: str, status: int, state: str, restarts: bool) -> None:
    life = launched(policy)
    life.observe(False, None, T0, T0 + 2)
    exit_at = T0 + 3
    assert life.observe(True, status, T0, exit_at) is False  # never at once: backoff first
    assert (life.state, life.exit_status) == (state, status)
    # Long after the backoff: restart wanted or not, and the answer stays the same.
    assert life.observe(True, status, T0, exit_at + BACKOFF_MAX + 1) is restarts
    assert life.observe(True, status, T0, exit_at + 3600) is restarts
    assert (life.state, life.exit_status) == (state, status)
    assert life.gave_up is False


def test_restart_waits_out_the_backoff() -> None:
    life = launched("always")
    exit_at = T0 + 3  # a quick exit: the first of a row
    assert life.observe(True, 1, T0, exit_at) is False
    assert life.restart_at == exit_at + backoff(1)
    assert life.observe(True, 1, T0, exit_at + backoff(1) - 0.01) is False
    assert life.observe(True, 1, T0, exit_at + backoff(1)) is True


def test_restarted_counts_and_starts_afresh() -> None:
    life = launched("always")
    life.observe(True, 3, T0, T0 + 1)
    assert life.observe(True, 3, T0, T0 + 2) is True
    life.restarted("%1", 200, T0 + 2)
    assert (life.state, life.pid, life.restarts) == ("starting", 200, 1)
    assert (life.exit_status, life.restart_at) == (None, None)
    # The new run is alive: no restart pending any more.
    assert life.observe(False, None, T0, T0 + 2.5) is False
    assert life.observe(False, None, T0, T0 + 10) is False
    assert life.state == "running"


def crash_quickly(life: AgentLife, now: float) -> tuple[float, float]:
    """Let the agent exit 1 second after it started at `now`; (the backoff asked, when it
    restarts)."""
    exit_at = now + 1.0
    assert life.observe(True, 1, 0.0, exit_at) is False
    if life.restart_at is None:
        return 0.0, exit_at
    delay = life.restart_at - exit_at
    assert life.observe(True, 1, 0.0, life.restart_at) is True
    life.restarted("%1", 100, life.restart_at)
    return delay, life.started_at


def test_quick_exits_back_off_then_give_up_after_five_in_a_row() -> None:
    life = launched("on-failure")
    now = T0
    delays = []
    for _ in range(MAX_QUICK_EXITS - 1):
        delay, now = crash_quickly(life, now)
        delays.append(delay)
        assert life.gave_up is False
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert life.restarts == MAX_QUICK_EXITS - 1
    # The fifth quick exit in a row: no more restarts, ever.
    exit_at = now + 1.0
    assert life.observe(True, 1, 0.0, exit_at) is False
    assert life.gave_up is True
    assert life.state == "crashed"
    assert life.restart_at is None
    for later in (exit_at + 1, exit_at + 60, exit_at + 86400):
        assert life.observe(True, 1, 0.0, later) is False
    assert life.restarts == MAX_QUICK_EXITS - 1


def test_always_gives_up_on_quick_clean_exits_too_and_calls_it_crashed() -> None:
    life = launched("always")
    now = T0
    for _ in range(MAX_QUICK_EXITS):
        exit_at = now + 1.0
        life.observe(True, 0, 0.0, exit_at)
        if life.restart_at is not None:
            life.restarted("%1", 100, life.restart_at)
            now = life.started_at
    assert life.gave_up is True
    assert life.state == "crashed"
    assert life.exit_status == 0


def test_a_long_lived_run_resets_the_quick_exit_count() -> None:
    life = launched("always")
    now = T0
    for _ in range(MAX_QUICK_EXITS - 1):
        _, now = crash_quickly(life, now)
    assert life.quick_exits == MAX_QUICK_EXITS - 1
    # This run lives long enough not to count as a quick exit.
    exit_at = now + QUICK_EXIT_SECONDS
    life.observe(False, None, 0.0, now + 5)
    assert life.observe(True, 1, 0.0, exit_at) is False
    assert life.quick_exits == 0
    assert life.restart_at == exit_at + backoff(0)
    assert life.observe(True, 1, 0.0, life.restart_at) is True
    life.restarted("%1", 100, life.restart_at)
    now = life.started_at
    # Another four quick exits in a row are again short of the limit...
    delays = []
    for _ in range(MAX_QUICK_EXITS - 1):
        delay, now = crash_quickly(life, now)
        delays.append(delay)
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert life.gave_up is False
    # ...and the fifth gives up.
    crash_quickly(life, now)
    assert life.gave_up is True


def test_no_restart_policy_never_counts_quick_exits() -> None:
    life = launched("no")
    life.observe(True, 1, 0.0, T0 + 1)
    assert (life.quick_exits, life.gave_up, life.state) == (0, False, "crashed")


def test_a_dead_pane_without_status_waits_for_it() -> None:
    life = launched("on-failure")
    life.observe(False, None, 0.0, T0 + 2)
    dead_at = T0 + 5
    assert life.observe(True, None, 0.0, dead_at) is False
    assert (life.state, life.exit_status) == ("running", None)
    assert life.observe(True, None, 0.0, dead_at + STATUS_WAIT / 2) is False
    assert life.state == "running"
    # The status arrives within the wait: it is the one recorded.
    status_at = dead_at + STATUS_WAIT * 0.75
    assert life.observe(True, 0, 0.0, status_at) is False
    assert (life.state, life.exit_status) == ("exited", 0)
    assert life.restart_at is None


def test_a_dead_pane_whose_status_never_comes_is_recorded_after_the_wait() -> None:
    life = launched("on-failure")
    life.observe(False, None, 0.0, T0 + 2)
    dead_at = T0 + 5
    assert life.observe(True, None, 0.0, dead_at) is False
    assert life.observe(True, None, 0.0, dead_at + STATUS_WAIT - 0.01) is False
    assert life.state == "running"
    assert life.observe(True, None, 0.0, dead_at + STATUS_WAIT) is False
    # No status is not a success: on-failure restarts it.
    assert (life.state, life.exit_status) == ("restarting", None)
    assert life.restart_at is not None
    assert life.observe(True, None, 0.0, life.restart_at) is True


def test_the_status_wait_starts_afresh_after_a_restart() -> None:
    life = launched("always")
    life.observe(True, None, 0.0, T0 + 1)
    life.observe(True, None, 0.0, T0 + 1 + STATUS_WAIT)
    assert life.observe(True, None, 0.0, life.restart_at) is True
    life.restarted("%1", 101, life.restart_at)
    again = life.started_at + 1
    assert life.observe(True, None, 0.0, again) is False
    assert life.state == "starting"
    assert life.observe(True, 5, 0.0, again + 0.1) is False
    assert (life.state, life.exit_status) == ("restarting", 5)


def test_a_stopped_agent_is_never_restarted() -> None:
    life = launched("always")
    life.state = "stopped"
    assert life.observe(True, 1, 0.0, T0 + 1) is False
    assert life.observe(True, 1, 0.0, T0 + 3600) is False
    assert life.state == "stopped"


def test_observe_records_activity() -> None:
    life = launched("no")
    life.observe(False, None, T0 + 4, T0 + 5)
    assert life.activity == T0 + 4


@pytest.mark.parametrize(
    "since_output, state",
    [(0.0, "busy"), (IDLE_AFTER / 2, "busy"), (IDLE_AFTER, "idle"), (600.0, "idle")],
)
def test_activity_state(since_output: float, state: str) -> None:
    life = launched("no")
    life.observe(False, None, T0 + 10, T0 + 10)
    assert life.activity_state(T0 + 10 + since_output) == (state, since_output)


def test_activity_state_without_any_output_yet_is_busy() -> None:
    life = AgentLife(restart_policy="no")
    assert life.activity_state(T0) == ("busy", 0.0)


def test_activity_state_never_reports_negative_idle() -> None:
    life = launched("no")
    life.observe(False, None, T0 + 10, T0 + 10)
    assert life.activity_state(T0 + 9) == ("busy", 0.0)


@pytest.mark.parametrize(
    "dead, status, state", [(False, None, "running"), (True, 0, "exited"), (True, 9, "crashed")]
)
def test_adopted_pane(dead: bool, status: int | None, state: str) -> None:
    life = AgentLife(restart_policy="no")
    life.adopted("%7", 4242, dead, status, T0)
    assert (life.pane_id, life.pid, life.state) == ("%7", 4242, state)
    if not dead:
        # Adopted panes are past their start: a later reading keeps them running.
        life.observe(False, None, 0.0, T0 + 0.1)
        assert life.state == "running"


def test_adopted_dead_pane_gets_its_restart_policy() -> None:
    # It died while no orgd watched; the new orgd restarts it as the old one would have.
    life = AgentLife(restart_policy="on-failure")
    life.adopted("%7", 4242, True, 2, T0)
    assert life.state == "restarting" and life.restart_at is not None
    assert life.observe(True, 2, 0.0, life.restart_at)
    clean = AgentLife(restart_policy="on-failure")
    clean.adopted("%8", 4243, True, 0, T0)
    assert clean.state == "exited" and clean.restart_at is None


def test_a_pending_restart_reads_restarting_not_crashed() -> None:
    """While the backoff runs the agent is `restarting` (with its exit status); once orgd
    gives up it is `crashed`; an exit no policy restarts is `exited` or `crashed`."""
    life = launched("on-failure")
    delay, now = crash_quickly(life, T0)
    assert delay == 0.5 and life.state == "starting"
    life.observe(True, 3, 0.0, now + 1.0)
    assert (life.state, life.exit_status) == ("restarting", 3)
    assert life.alive is False
    assert life.observe(True, 3, 0.0, now + 1.2) is False
    assert life.state == "restarting"
