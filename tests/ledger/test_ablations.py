"""The ledger's ablations on real SQLite: each part of a change, linked to its leave-one-out
group or naming its conflicts, read back in order and from the group."""

from __future__ import annotations

from pathlib import Path

from orgtui.ledger.store import Ledger


def test_an_ablation_keeps_its_parts_in_order_with_their_groups_or_conflicts(
    tmp_path: Path,
) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        job = dict(agent="a", budget_time=60.0, command=["true"], commit="c" * 40)
        group = {"kind": "experiment", "agent": "a", "budget_time": 60.0}
        whole, _ = ledger.add_group(group, [job])
        left_out, _ = ledger.add_group({**group, "reference": whole, "comparison": 1}, [job])
        assert ledger.ablation(whole) == []
        ledger.add_ablation(whole, "ann", [
            {"part": "1" * 40, "subject": "lr 0.1", "code": "2" * 40, "group": left_out},
            {"part": "3" * 40, "subject": "lr again", "conflicts": ["train.py"]},
            {"part": "", "subject": "uncommitted edits", "conflicts": []},
        ])  # fmt: skip
    with Ledger(tmp_path / "ledger.sqlite", readonly=True) as again:
        parts = again.ablation(whole)
        assert [(p.position, p.subject, p.group, p.conflicts) for p in parts] == [
            (0, "lr 0.1", left_out, ()), (1, "lr again", None, ("train.py",)),
            (2, "uncommitted edits", None, ()),
        ]  # fmt: skip
        assert parts[0].code == "2" * 40 and parts[1].code == "" and parts[2].part == ""
        assert parts[0].asked_by == "ann" and parts[0].screening == whole
        found = again.ablation_part(left_out)
        assert found is not None and found.subject == "lr 0.1"
        assert again.ablation_part(whole) is None
        row = again.group(left_out)
        assert row is not None and row.reference == whole
