"""The built-in chief ablates a change of several parts before it asks for its promotion.

A real orgd runs the stand-in trainer of `test_ablation` (val_bpb from the seed alone, plus a
SHIFT a commit may lower): junior `a` commits a real gain (SHIFT = -1.0) and a note that
changes nothing, as one group. The chief (`research.chief.Chief`, run here turn by turn
against the org's socket, as in its pane) finds the group `better`, asks for its ablation
(`orgtui ablate`), follows it to its parts' verdicts, says on the board which part carries the
gain and which rides along, and only then asks for the promotion, which verifies and merges
the whole change."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from orgtui.protocol.client import call
from orgtui.protocol.promotions import PromotionWait
from orgtui.protocol.status import Status
from orgtui.research.chief import Chief
from orgtui.research.terminal import Screen
from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for
from tests.integration.test_ablation import Org, _org, _stop, stub_repo

ORG = org_toml(
    "chiefs",
    """
    [research]
    train = "{python} stub.py"
    seeds = 3
    min_delta = 0.2
    """,
    agent_toml("boss", role="chief"),
    agent_toml("a", role="junior", reports_to="boss"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    flops_budget = 6e6
    time_budget = "1m"
    """,
)
SPACE = Path(__file__).parents[2] / "orgtui" / "research" / "tinychat" / "search_space.toml"


def test_the_chief_ablates_a_change_of_two_parts_before_promoting_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    repo = stub_repo(tmp_path)
    run, file, runtime = _org(tmp_path, ORG, repo)
    try:
        status = run.status()
        org = Org(run, file, repo, status, json.loads(run("baseline", "--json").stdout)["group"])
        gain = org.commit("a", "SHIFT = 0.0\n", "SHIFT = -1.0\n", "shift -1")
        note = org.commit("a", 'NOTE = "the base"\n', 'NOTE = "a note"\n', "a note")
        whole = org.submit("a", "shift -1 and a note")
        assert org.judged(whole)["verdict"]["verdict"] == "better"

        boss, sock = org.tree("boss"), Path(status["tmux_socket"]).with_name("orgd.sock")
        shutil.copyfile(SPACE, boss / "search_space.toml")
        for name, value in (("ORGTUI_AGENT", "boss"), ("ORGTUI_ROLE", "chief"),
                            ("ORGTUI_SOCKET", str(sock)),
                            ("ORGTUI_COMMS", str(Path(status["workdir"]) / "comms")),
                            ("ORGTUI_WORKTREE", str(boss)), ("ORGTUI_ORG", str(file)),
                            ("XDG_RUNTIME_DIR", run.env["XDG_RUNTIME_DIR"])):  # fmt: skip
            monkeypatch.setenv(name, value)
        out = io.StringIO()
        chief = Chief(None, Screen(out), call(sock, Status()))

        def asked() -> bool:
            chief.promote(chief.ledger())
            return chief.following is not None

        wait_for(asked, timeout=240, interval=0.5, what="the chief to ask for the promotion")
        # By then the ablation was made and every part judged: the gain, and the passenger.
        ablation = json.loads(org.ablate(whole, "--json").stdout)
        assert ablation["done"], ablation
        parts = [(p["commit"], p["role"]) for p in ablation["parts"]]
        assert parts == [(gain, "gain"), (note, "passenger")], parts
        board = org.board()
        said = board.index(f"Ablated group {whole} (shift -1 and a note) before promoting it: ")
        assert f"{gain[:8]} (shift -1): carries the gain" in board[said:]
        assert f"{note[:8]} (a note): passenger" in board[said:]
        assert "Passengers ride along: a note; the verification judges the whole change" in board
        promoting = board.index(f"Promoting group {whole} (shift -1 and a note): ")
        assert promoting > said, board
        assert f"ablating group {whole} (shift -1 and a note) before promoting it" in out.getvalue()

        # The promotion it asked for verifies and merges the whole change.
        assert chief.following is not None
        row = call(sock, PromotionWait(promotion=chief.following[0], timeout_s=300), timeout=330)
        assert row.state == "promoted", row
        assert git(repo, "show", f"{status['program']}:stub.py").count("SHIFT = -1.0\n") == 1
    finally:
        _stop(run, file, runtime)
