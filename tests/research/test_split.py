"""The built-in chief's decisions (`research/split.py`): the search space split among the
juniors never gives a change twice (assigned already in an inbox, or tried by any agent's
group), not across restarts either (its state is read back from the inboxes and the
ledger), and keeps each junior at most two changes ahead; the groups it promotes are the
ledger's `better` experiments, one verification at a time, none verified twice."""

from __future__ import annotations

import random

from orgtui.enums import JobKind
from orgtui.research import split as S
from orgtui.research.chief import entries, settled
from orgtui.research.messages import tries
from tests.research.test_researcher_state import group

PLAN = [("lr", "0.1"), ("lr", "0.02"), ("warmup_steps", "5"), ("cooldown", "0.5"),
        ("softcap", "0.0"), ("n_layer", "3")]  # fmt: skip


def test_a_fresh_split_gives_each_junior_two_changes_in_the_plans_order() -> None:
    given = S.split(PLAN, ["j1", "j2"], {}, set(), {})
    assert given == [("j1", ("lr", "0.1")), ("j2", ("lr", "0.02")),
                     ("j1", ("warmup_steps", "5")), ("j2", ("cooldown", "0.5"))]  # fmt: skip
    assert S.split(PLAN, [], {}, set(), {}) == []


def test_a_change_assigned_or_tried_is_never_given_again() -> None:
    assigned = {"j1": [("lr", "0.1")], "j2": [("lr", "0.02")]}
    tried = {("warmup_steps", "5")}  # by anyone: a solo researcher, a person
    given = S.split(PLAN, ["j1", "j2"], assigned, tried, {})
    assert given == [("j1", ("cooldown", "0.5")), ("j2", ("softcap", "0.0"))]


def test_a_junior_gets_more_as_its_changes_are_judged() -> None:
    assigned = {"j1": [("lr", "0.1"), ("lr", "0.02")], "j2": [("warmup_steps", "5")]}
    # j1 is two ahead: only j2 gets one, until a verdict on one of j1's changes is final.
    assert S.split(PLAN, ["j1", "j2"], assigned, set(), {}) == [("j2", ("cooldown", "0.5"))]
    assigned["j2"].append(("cooldown", "0.5"))
    assert S.split(PLAN, ["j1", "j2"], assigned, set(), {}) == []
    judged = {"j1": {("lr", "0.1")}}
    assert S.split(PLAN, ["j1", "j2"], assigned, {("lr", "0.1")}, judged) == [
        ("j1", ("softcap", "0.0"))
    ]


def test_split_never_assigns_a_change_twice_across_many_restarts() -> None:
    """A chief restarted at random moments, juniors coming and going, judging at random: the
    inboxes it wrote hold every change of the plan at most once, and in the end every one."""
    rng = random.Random(7)
    plan = [(f"k{i}", str(v)) for i in range(8) for v in range(3)]
    inboxes: dict[str, list[tuple[str, str]]] = {"j1": [], "j2": [], "j3": []}
    judged: dict[str, set[tuple[str, str]]] = {j: set() for j in inboxes}
    for _ in range(200):
        juniors = [j for j in inboxes if rng.random() < 0.8]  # a junior not running now
        tried = {c for done in judged.values() for c in done}
        for junior, change in S.split(plan, juniors, inboxes, tried, judged):
            inboxes[junior].append(change)
        for junior, changes in inboxes.items():  # juniors finish some of theirs
            open_ = [c for c in changes if c not in judged[junior]]
            if open_ and rng.random() < 0.5:
                judged[junior].add(open_[0])
    written = [c for changes in inboxes.values() for c in changes]
    assert len(written) == len(set(written)) == len(plan)


def test_the_inboxes_are_read_back_as_the_assignments_they_hold() -> None:
    inbox = ("# Inbox of j1\n\nMessages to j1, newest last.\n\n## 2025-01-01 10:00:00 · chief → j1"
             "\n\ntry lr=0.1\n\n## 2025-01-01 10:01:00 · ann → j1\n\ntry softcap=0.0 cooldown=0.5"
             " please\n")  # fmt: skip
    assert tries(inbox) == [("lr", "0.1"), ("softcap", "0.0"), ("cooldown", "0.5")]
    assert entries(inbox) == [
        ("chief", "try lr=0.1"),
        ("ann", "try softcap=0.0 cooldown=0.5 please"),
    ]


def test_the_chief_promotes_better_experiments_one_at_a_time_never_twice() -> None:
    ledger = [
        group(1, "baseline", kind=JobKind.BASELINE, agent="@orgd"),
        group(2, "j1: lr=0.1", "better", 3.7, agent="j1"),
        group(3, "j2: lr=0.02", "within_noise", 4.4, agent="j2"),
        group(4, "j2: warmup_steps=5", "better", 3.8, agent="j2"),
    ]
    assert S.to_promote(ledger).id == 2  # type: ignore[union-attr]
    assert S.to_promote(ledger, refused={2}).id == 4  # type: ignore[union-attr]
    verifying = group(5, "verification of group 2", state="running", kind=JobKind.VERIFICATION,
                      agent="j1")  # fmt: skip
    assert S.to_promote([*ledger, verifying]) is None  # one promotion at a time
    ended = group(5, "verification of group 2", "better", 3.7, kind=JobKind.VERIFICATION,
                  agent="j1")  # fmt: skip
    assert S.verified([*ledger, ended]) == {2}
    assert S.to_promote([*ledger, ended]).id == 4  # type: ignore[union-attr]
    assert S.to_promote([*ledger, ended], refused={4}) is None
    # A leave-one-out group of an ablation is never promoted, `better` or not: on no branch.
    part = group(7, "ablation of group 4: without 1a2b3c4d (warmup_steps = 5)", "better", 3.7,
                 agent="j2")  # fmt: skip
    assert S.to_promote([*ledger, ended, part], refused={4}) is None
    assert S.tried(ledger) == {("lr", "0.1"), ("lr", "0.02"), ("warmup_steps", "5")}
    assert S.judged([*ledger, group(6, "j1: n_layer=3", state="running", agent="j1")], "j1") == {
        ("lr", "0.1")
    }
    assert settled(ledger[0]) and not settled(verifying)
