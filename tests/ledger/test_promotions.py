"""The ledger's promotions on real SQLite: linked to their groups, through their states."""

from __future__ import annotations

from pathlib import Path

from orgtui.ledger.store import Ledger


def test_a_promotion_links_its_groups_and_keeps_its_end(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        job = dict(agent="a", budget_time=60.0, command=["true"], commit="c" * 40)
        screening, _ = ledger.add_group({"kind": "experiment", "agent": "a", "budget_time": 60.0},
                                        [job])  # fmt: skip
        pid = ledger.add_promotion(screening=screening, commit="c" * 40, target="d" * 40,
                                   min_delta=0.0, asked_by="ann")  # fmt: skip
        assert ledger.promotion(pid).state == "verifying"
        ledger.update_promotion(pid, state="promoted", merge="e" * 40, value=2.61, ended_at=5.0)
    with Ledger(tmp_path / "ledger.sqlite", readonly=True) as again:
        row = again.promotion(pid)
        assert (row.screening, row.state, row.merge, row.value) == (
            screening, "promoted", "e" * 40, 2.61)  # fmt: skip
        assert [p.id for p in again.promotions("promoted")] == [pid]
        assert again.promotions_of(screening)[0].asked_by == "ann"
