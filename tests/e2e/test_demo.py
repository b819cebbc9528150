"""The demo org as the README's first command runs it (`orgs/demo.toml`, copied with its
prompts so its research repo is made in the test's folder): the repo is made through init,
the baseline ritual and four built-in researchers run real training jobs on 2 CPU slots, and
the ledger reaches finished jobs from several agents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import wait_for

ORGS = Path(__file__).resolve().parents[2] / "orgs"


@pytest.mark.timeout(600)
def test_the_demo_org_runs_experiments_from_several_researchers(orgtui, tmp_path):
    shutil.copy(ORGS / "demo.toml", tmp_path / "demo.toml")
    shutil.copytree(ORGS / "prompts", tmp_path / "prompts")
    (tmp_path / "demo.toml").chmod(0o644)
    out = orgtui("up", str(tmp_path / "demo.toml"))
    assert "made the research repo" in out.stdout
    assert (tmp_path / ".demo" / "tinychat" / "train.py").exists()

    def finished() -> list[dict]:
        jobs = json.loads(orgtui("job", "ls", "--json").stdout)
        done = [j for j in jobs if j["state"] not in ("queued", "running")]
        researchers = {j["agent"] for j in done if j["kind"] == "experiment"}
        return done if len(done) >= 4 and len(researchers) >= 2 else []

    done = wait_for(finished, timeout=480, interval=2, what="4 finished jobs from 2 agents")
    assert all(j["state"] == "ok" for j in done), [(j["id"], j["state"]) for j in done]
    baseline = [j for j in done if j["kind"] == "baseline"]
    assert baseline and all(2.0 < j["metrics"]["val_bpb"] < 8.0 for j in done)
    status = orgtui.status()
    assert [a["kind"] for a in status["agents"]] == ["builtin"] * 4
    board = (Path(status["workdir"]) / "comms" / "board.md").read_text()
    assert "Baseline of `program/demo`" in board
    assert {a["state"] for a in status["agents"]} <= {"starting", "running"}
