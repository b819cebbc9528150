"""The built-in chief's decisions, as pure functions of what it reads: which junior gets which
change of the search space next (`split`), and which group it promotes next (`to_promote`).

Its state is the org's, read back every turn: the changes assigned are the `try` lines of
the juniors' inboxes, the changes tried are the ledger's experiment groups (any agent's,
each described `agent: name=value`), and the groups verified already are the ledger's
verification groups (each described `verification of group N`). So a restarted chief
assigns no change twice and verifies no win twice.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from orgtui.enums import JobKind
from orgtui.protocol.groups import Group
from orgtui.research import knobs as K

Change = tuple[str, str]
DEPTH = 2
"""Changes a junior has at most assigned and not yet judged: one running, one waiting, so it
never idles between two turns of its chief's."""
VERIFIES = re.compile(r"^verification of group (\d+)$")
ABLATES = re.compile(r"^ablation of group (\d+): without ")
"""A leave-one-out group's description (`orgtui ablate`): its code is on no branch."""


def tried(groups: Sequence[Group]) -> set[Change]:
    """Every change an experiment group of any agent's tried."""
    return {c for g in groups if (c := K.change_of(g, g.agent))}


def judged(groups: Sequence[Group], agent: str) -> set[Change]:
    """The changes of `agent`'s groups whose verdict is final."""
    return {c for g in groups if g.agent == agent and K.final(g) and (c := K.change_of(g, agent))}


def split(plan: Sequence[Change], juniors: Sequence[str],
          assigned: Mapping[str, Sequence[Change]], tried: Collection[Change],
          judged: Mapping[str, Collection[Change]], depth: int = DEPTH,
          ) -> list[tuple[str, Change]]:  # fmt: skip
    """The next assignments, `(junior, change)` in order: the changes of `plan` in its order
    that no junior was `assigned` (its inbox's) and no group `tried`, each to the junior
    with the fewest assigned and not yet `judged` (the first named of them on a tie), while
    one has fewer than `depth`. A change is never given twice."""
    taken = set(tried) | {c for changes in assigned.values() for c in changes}
    free = [c for c in dict.fromkeys(plan) if c not in taken]
    load = {j: len({c for c in assigned.get(j, ()) if c not in judged.get(j, ())}) for j in juniors}
    given: list[tuple[str, Change]] = []
    for change in free:
        if not juniors:
            break
        junior = min(juniors, key=lambda j: (load[j], juniors.index(j)))
        if load[junior] >= depth:
            break
        given.append((junior, change))
        load[junior] += 1
    return given


def verified(groups: Sequence[Group]) -> set[int]:
    """The groups a promotion verified, or verifies now (its verification group's)."""
    return {int(m[1]) for g in groups
            if g.kind == JobKind.VERIFICATION and (m := VERIFIES.match(g.description))}  # fmt: skip


def verifying(groups: Sequence[Group]) -> bool:
    """Whether a promotion's verification is still being judged."""
    return any(g.kind == JobKind.VERIFICATION and not K.final(g) for g in groups)


def to_promote(groups: Sequence[Group], refused: Collection[int] = ()) -> Group | None:
    """The next group to promote: the earliest experiment group the ledger calls `better`
    (not an ablation's leave-one-out group) that no promotion verified and orgd did not
    refuse; None while a verification is being judged (one promotion at a time: another
    would target a program head about to move)."""
    if verifying(groups):
        return None
    done = verified(groups) | set(refused)
    for g in sorted(groups, key=lambda g: g.id):
        if (g.kind == JobKind.EXPERIMENT and g.id not in done and g.verdict is not None
                and g.verdict.verdict == "better"
                and not ABLATES.match(g.description)):  # fmt: skip
            return g
    return None
