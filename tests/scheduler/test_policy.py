"""The scheduling policy: dedicated and pool modes, multi-device jobs, fairness, and (checked
over random queues) that a device is never given twice nor to a job while another holds it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orgtui.scheduler.policy import Assignment, Queued, decide, home

DEVS = ["gpu0", "gpu1", "gpu2", "gpu3"]
AGENTS = ["a", "b", "c", "d"]


def q(id: str, agent: str, gpus: int = 1, priority: int = 0, at: float = 0.0) -> Queued:
    return Queued(id, agent, gpus, priority, at)


def test_dedicated_each_agent_on_its_own_device() -> None:
    queue = [q("1", "a", at=1), q("2", "b", at=2), q("3", "a", at=3), q("4", "d", at=4)]
    got = decide(queue, DEVS, AGENTS, "dedicated", busy=[])
    assert got == [Assignment("1", ("gpu0",)), Assignment("2", ("gpu1",)),
                   Assignment("4", ("gpu3",))]  # fmt: skip
    # a's second job waits for a's device even though gpu2 is free.


def test_dedicated_waits_for_a_busy_device_and_shares_round_robin() -> None:
    assert decide([q("1", "a")], DEVS, AGENTS, "dedicated", busy=["gpu0"]) == []
    agents = ["a", "b", "c"]  # three agents, two devices: c shares a's
    assert home("c", agents, ["gpu0", "gpu1"]) == 0
    got = decide([q("1", "a", at=1), q("2", "c", at=2)], ["gpu0", "gpu1"], agents, "dedicated", [])
    assert got == [Assignment("1", ("gpu0",))]


def test_dedicated_multi_device_job_takes_the_next_ones() -> None:
    got = decide([q("1", "b", gpus=2)], DEVS, AGENTS, "dedicated", busy=[])
    assert got == [Assignment("1", ("gpu1", "gpu2"))]
    assert decide([q("1", "b", gpus=2)], DEVS, AGENTS, "dedicated", busy=["gpu2"]) == []


def test_pool_is_fair_across_agents_then_priority_then_fifo() -> None:
    queue = [q("a1", "a", at=1), q("a2", "a", at=2), q("a3", "a", at=3), q("b1", "b", at=4)]
    got = decide(queue, ["gpu0", "gpu1"], AGENTS, "pool", busy=[])
    assert [g.job for g in got] == ["a1", "b1"]  # b is not starved by a's earlier jobs
    got = decide(queue, ["gpu0", "gpu1"], AGENTS, "pool", busy=[], running={"a": 0, "b": 3})
    assert [g.job for g in got] == ["a1", "a2"]  # b has more running
    queue = [q("x", "a", at=1), q("y", "a", priority=5, at=2)]
    assert [g.job for g in decide(queue, ["gpu0"], AGENTS, "pool", busy=[])] == ["y"]


def test_pool_multi_device_jobs_and_lost_devices() -> None:
    got = decide([q("big", "a", gpus=3)], DEVS, AGENTS, "pool", busy=["gpu1"])
    assert got == [Assignment("big", ("gpu0", "gpu2", "gpu3"))]
    assert decide([q("big", "a", gpus=3)], DEVS, AGENTS, "pool", busy=["gpu1"], lost=["gpu3"]) == []
    assert decide([q("1", "a")], DEVS, AGENTS, "dedicated", busy=[], lost=["gpu0"]) == []
    assert decide([q("1", "a", gpus=9)], DEVS, AGENTS, "pool", busy=[]) == []
    assert decide([q("1", "a")], [], AGENTS, "pool", busy=[]) == []


jobs = st.lists(
    st.builds(
        Queued,
        id=st.uuids().map(str),
        agent=st.sampled_from(AGENTS + ["stranger"]),
        gpus=st.integers(1, 5),
        priority=st.integers(-2, 2),
        queued_at=st.floats(0, 100),
    ),
    max_size=20,
    unique_by=lambda j: j.id,
)


@settings(max_examples=300, deadline=None)
@given(
    queue=jobs,
    mode=st.sampled_from(["dedicated", "pool"]),
    busy=st.sets(st.sampled_from(DEVS)),
    lost=st.sets(st.sampled_from(DEVS)),
    running=st.dictionaries(st.sampled_from(AGENTS), st.integers(0, 3)),
)
def test_never_double_booked(queue, mode, busy, lost, running) -> None:
    got = decide(queue, DEVS, AGENTS, mode, busy=busy, running=running, lost=lost)
    given_out = [d for a in got for d in a.devices]
    assert len(given_out) == len(set(given_out))  # no device twice in one decision
    assert not set(given_out) & (busy | lost)  # never a held or lost device
    by_id = {j.id: j for j in queue}
    for a in got:
        assert len(a.devices) == by_id[a.job].gpus  # a job gets what it asked for
    assert len({a.job for a in got}) == len(got)
    # Work-conserving in pool mode: a waiting job that would fit in what is left started.
    if mode == "pool":
        left = len([d for d in DEVS if d not in busy | lost]) - len(given_out)
        started = {a.job for a in got}
        assert all(j.gpus > left for j in queue if j.id not in started)


@settings(max_examples=200, deadline=None)
@given(
    queue=st.lists(
        st.tuples(
            st.sampled_from(AGENTS),
            st.integers(1, 3),  # gpus
            st.integers(-1, 1),  # priority
            st.integers(0, 30),  # queued_at: ties too
        ),
        max_size=40,
    ),
    mode=st.sampled_from(["dedicated", "pool"]),
    busy=st.sets(st.sampled_from(DEVS)),
    running=st.dictionaries(st.sampled_from(AGENTS), st.integers(0, 3)),
)
def test_the_ledgers_short_queue_decides_as_the_whole_queue(queue, mode, busy, running) -> None:
    """orgd reads only each (agent, gpus) group's first jobs from the ledger (so a dispatch
    does not read 10,000 queued rows); over real SQLite, the decision is the same."""
    import tempfile
    from pathlib import Path

    from orgtui.ledger.store import Ledger

    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp) / "ledger.sqlite")
        for agent, gpus, prio, at in queue:
            ledger.add(agent=agent, gpus=gpus, priority=prio, queued_at=float(at),
                       budget_time=1.0, command=["true"])  # fmt: skip
        whole, short = ledger.queue(), ledger.queue(per_group=len(DEVS))
        ledger.close()

    def decision(rows):
        jobs = [Queued(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        return decide(jobs, DEVS, AGENTS, mode, busy=busy, running=running)

    assert decision(short) == decision(whole)
    assert {r[0] for r in short} <= {r[0] for r in whole}
