"""What the built-in researcher reads back from the ledger on start (`knobs.history`): the
changes its groups tried, the `better` ones still on its branch (kept), the best kept mean,
and the groups still being judged; other agents' groups, baselines and groups it did not
describe are not its changes."""

from __future__ import annotations

from orgtui.enums import JobKind
from orgtui.protocol.groups import ComputeRatio, Group, Verdict
from orgtui.protocol.jobs import Budget
from orgtui.research import knobs as K


def group(gid: int, description: str, verdict: str | None = None, mean: float | None = None,
          kind: JobKind = JobKind.EXPERIMENT, agent: str = "res", state: str = "ended",
          commit: str = "") -> Group:  # fmt: skip
    judged = None
    if verdict is not None:
        judged = Verdict(
            verdict=verdict, metric="val_bpb", goal="minimize", mean=mean,
            reference_mean=None if mean is None else 4.4, delta=None if mean is None
            else mean - 4.4, ci=None, sigma=0.04, df=4, comparisons="1/20",
            compute_ratio=ComputeRatio(1.0, 1.0, None, 1.0), flags=[],
            reason="its reference is still running" if verdict == "pending" else "",
        )  # fmt: skip
    return Group(
        id=gid, kind=kind, agent=agent, commit=commit or f"c{gid}", budget=Budget(60, 5e10),
        jobs=[3 * gid, 3 * gid + 1, 3 * gid + 2], seeds=[1, 2, 3], state=state,
        reference=1, verdict=judged, description=description, clean=True,
    )  # fmt: skip


LEDGER = [
    group(1, "baseline of the program head", kind=JobKind.BASELINE, agent="@orgd"),
    group(4, "res: warmup_steps=50", "worse", 5.79),
    group(2, "res: warmup_steps=5", "better", 3.84),
    group(3, "other: lr=0.02", "better", 3.10, agent="other"),
    group(5, "res: lr=0.02", "better", 3.70),  # kept, then the branch was reset past it
    group(6, "res: cooldown=0.5", "better", 3.80),
    group(7, "res: seq_len=64", "pending", 3.60),
    group(8, "res: n_layer=3", state="running"),
    group(9, "a job by hand", "within_noise", 4.0),
]


def test_history_reads_back_what_was_tried_kept_and_is_still_being_judged() -> None:
    past = K.history(LEDGER, "res", {"c2", "c6", "c7", "c8", "c9"}, "minimize")
    assert past.tried == {("warmup_steps", "5"), ("warmup_steps", "50"), ("lr", "0.02"),
                          ("cooldown", "0.5"), ("seq_len", "64"), ("n_layer", "3")}  # fmt: skip
    assert past.done == ("warmup_steps=5: better (group 2)", "warmup_steps=50: worse (group 4)",
                         "lr=0.02: better (group 5)", "cooldown=0.5: better (group 6)")  # fmt: skip
    assert [g.id for g in past.kept] == [2, 6]  # group 5's commit left the branch
    assert past.best == (3.80, "cooldown=0.5")  # a pending mean is no win yet
    assert [g.id for g in past.unfinished] == [7, 8]


def test_history_of_nothing_and_the_goal_maximize() -> None:
    empty = K.history([], "res", (), "minimize")
    assert not empty.tried and not empty.done and not empty.kept and empty.best is None
    assert K.history(LEDGER, "nobody", {"c2"}, "minimize").tried == set()
    up = K.history(LEDGER, "res", {"c2", "c6"}, "maximize")
    assert up.best == (3.84, "warmup_steps=5")


def test_a_group_describes_its_change_and_its_verdict_in_one_line() -> None:
    assert K.describe("res", "softcap", "0.0") == "res: softcap=0.0"
    assert K.change_of(group(2, K.describe("res", "softcap", "0.0")), "res") == ("softcap", "0.0")
    assert K.change_of(group(2, "res: softcap=0.0 and more"), "res") is None
    assert K.change_of(group(2, "res: softcap=0.0", kind=JobKind.OTHER), "res") is None
    assert K.final(group(2, "", "worse")) and not K.final(group(2, "", "pending"))
    assert not K.final(group(2, "", state="running"))
    assert K.said(group(2, "", "better", 3.84)).startswith("better, val_bpb 3.8400 vs 4.4000")
    assert K.said(group(2, "", "pending")) == "pending: its reference is still running"
    assert K.said(group(2, "", state="running")) == "not judged yet"
