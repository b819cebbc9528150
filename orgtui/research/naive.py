"""`orgtui agent --naive`: the built-in researcher with the bad habits of the agents of the
original experiment, on purpose, so that the harness can be seen to stop them.

It runs each change as one seed (`--seeds 1`), and keeps it whenever its number is better
(lower, for a metric to minimize) than the last one it kept, or than its first reference's
(the baseline it saw) before it kept any: its own comparison, blind to the noise, the verdict
and the compute. Its plan has the "bigger is better" changes too (a wider and a deeper
model than the search space's). It posts `WIN` on each. The ledger still judges every group
of its (mostly `within_noise`, and a bigger model is flagged `more_params`), and it never
promotes: a promotion, which verifies a win with fresh seeds, is what stops its wins from
reaching the program branch.

Like the others it keeps no state of its own: the number to beat is read back from its
groups whose commits are on its branch.
"""

from __future__ import annotations

from collections.abc import Collection

from orgtui.protocol.groups import Group
from orgtui.research import knobs as K
from orgtui.research.experiment import Experimenter

BIGGER = {"n_embd": 2.0, "n_layer": 2.0}
"""The knobs a naive researcher believes bigger is better for, and by how much it scales
them."""


def naive_plan(space: list[K.Knob], start: str | None) -> list[tuple[str, str]]:
    """The search space's changes from knob `start`, each of the `BIGGER` knobs' with its
    default scaled up after the search space's values."""
    changes: list[tuple[str, str]] = []
    for name, value in K.plan(space, start):
        changes.append((name, value))
        knob = next(k for k in space if k.name == name)
        if name in BIGGER and value == knob.values[-1]:
            bigger = BIGGER[name] * K.literal(knob.default)
            text = str(int(bigger)) if bigger == int(bigger) else str(bigger)
            if text not in knob.values:
                changes.append((name, text))
    return changes


def last_kept(groups: list[Group], agent: str, branch: Collection[str],
              before: int) -> float | None:  # fmt: skip
    """The number of the latest change `agent` kept before group `before`: its latest group
    whose commit is on its branch and has a mean; None when it kept none."""
    kept = [g for g in sorted(groups, key=lambda g: g.id) if g.id < before
            and K.change_of(g, agent) and g.commit in branch and g.verdict is not None
            and g.verdict.mean is not None]  # fmt: skip
    return kept[-1].verdict.mean if kept and kept[-1].verdict else None


def lower(value: float | None, last: float | None, goal: str) -> bool:
    """Whether `value` beats `last`, the naive way: any amount, in the metric's direction."""
    if value is None or last is None:
        return False
    return value < last if goal == "minimize" else value > last


class Naive(Experimenter):
    """A researcher that keeps whatever number is lower, from one seed."""

    seeds = 1
    best: float | None = None
    """The number of the latest change it kept (read back by `recall`)."""

    def plan(self, start: str | None) -> list[tuple[str, str]]:
        return naive_plan(self.space, start)

    def intro(self) -> None:
        super().intro()
        self.screen.log("naive: one seed a change, kept whenever its number beats the last "
                        "one (the verdicts are not read), bigger models included")  # fmt: skip

    def recall(self) -> list[Group]:
        groups = super().recall()
        branch = set(self.git("rev-list", "--max-count=5000", "HEAD").stdout.split())
        self.best = last_kept(groups, self.agent, branch, 1 << 62)
        return groups

    def keeps(self, group: Group) -> tuple[bool, str]:
        name, value = K.change_of(group, self.agent) or ("?", "?")
        branch = set(self.git("rev-list", "--max-count=5000", "HEAD").stdout.split())
        verdict = group.verdict
        last = last_kept(self.groups(agent=self.agent), self.agent, branch, group.id)
        if last is None and verdict is not None:
            last = verdict.reference_mean  # the baseline it saw
        mean = verdict.mean if verdict else None
        won = lower(mean, last, self.goal)
        if mean is None or last is None:
            mine = "no number to compare"
        else:
            sign = "<" if self.goal == "minimize" else ">"
            mine = f"{self.metric} {mean:.4f} {sign if won else 'not ' + sign} {last:.4f}"
        return won, (f"{name}={value} (group {group.id}): {mine}, one seed; the ledger says "
                     f"{K.said(group)}")  # fmt: skip

    def summary(self) -> str:
        shown = "no win yet" if self.best is None else f"my best {self.best:.4f}"
        return f"{len(self.past.done)} done · {shown}"
