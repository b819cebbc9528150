"""The built-in researcher (`orgtui agent`) in a real pty (pexpect), in a real org on CPU
slots with a 5-step FLOPs budget: it obeys typed commands (pause, help, try, a note, status,
resume), writes a standup file when a pasted message asks, runs an experiment against the
org's baseline (two seeds, through `orgtui job submit --wait`), posts the finding to the
board and commits the kept change on its branch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pexpect

from tests.conftest import git
from tests.helpers import agent_toml, org_toml

ORG = org_toml(
    "lab",
    """
    [research]
    train = "{python} train.py --flops 1.6e10 --seed {seed}"
    seeds = 2
    """,
    agent_toml("res"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    notify = false
    time_budget = "1m"

    [[process]]
    name = "baseline"
    kind = "baseline"
    every = "2s"
    """,
)


def test_the_researcher_obeys_commands_and_keeps_a_win(write_org, orgtui, tmp_path):
    repo = tmp_path / "tiny"
    orgtui("init", str(repo))
    org = write_org(ORG.replace("{repo}", str(repo)))
    orgtui("up", str(org))
    status = orgtui.status()
    agent = next(a for a in status["agents"] if a["name"] == "res")
    tree, comms = Path(agent["worktree"]), Path(status["workdir"]) / "comms"
    env = {**orgtui.env, "ORGTUI_AGENT": "res", "ORGTUI_ORG": str(org), "ORGTUI_COMMS": str(comms),
           "ORGTUI_WORKTREE": str(tree), "TERM": "xterm-256color",
           "ORGTUI_SOCKET": str(Path(status["tmux_socket"]).parent / "orgd.sock")}  # fmt: skip
    child = pexpect.spawn(sys.executable, ["-m", "orgtui", "agent", "--start", "softcap"],
                          env=env, cwd=str(tree), dimensions=(30, 120), timeout=30,
                          encoding="utf-8")  # fmt: skip
    try:
        child.expect("the built-in researcher")
        child.expect("changes to try, from softcap")
        child.send("pause\r")
        child.expect("paused: no new experiment starts")
        child.send("help\r")
        child.expect("commands: status")
        child.send("try warmup_steps=1 nonsense=3\r")
        child.expect("assigned from you: warmup_steps=1")
        child.expect("no knob 'nonsense'")
        note = "remember the lr sweep, café".encode()  # its last character split over 2 reads
        os.write(child.child_fd, note[:-1])
        time.sleep(0.3)
        os.write(child.child_fd, note[-1:] + b"\r")
        child.expect("noted")
        assert "remember the lr sweep, café" in (comms / "notes" / "res.md").read_text()
        standup = comms / "standup" / "today" / "res.md"
        child.send(f"\x1b[200~Standup: write done / next / blocked\nto {standup}\x1b[201~\r")
        child.expect("standup written to")
        assert "next: warmup_steps=1" in standup.read_text()
        child.send("status\r")
        child.expect("next: warmup_steps=1")
        child.send("resume\r")
        child.expect("trying warmup_steps=1 against baseline", timeout=120)
        child.expect(r"WIN: warmup_steps=1 \(2 seeds", timeout=180)
    finally:
        child.sendcontrol("c")
        child.expect(pexpect.EOF, timeout=10)
    log = git(tree, "log", "-1", "--format=%an%n%B").strip().splitlines()
    assert log[0] == "res" and log[1] == "warmup_steps = 1"
    assert "better by" in log[3] and "beyond the noise" in log[3]
    assert git(tree, "status", "--porcelain").strip() == ""  # the change is committed
    assert "warmup_steps = 1\n" in git(tree, "show", "HEAD:train.py")
    board = (comms / "board.md").read_text()
    assert "WIN, kept on my branch: warmup_steps=1" in board
    jobs = json.loads(orgtui("job", "ls", "--json").stdout)
    mine = [j for j in jobs if j["agent"] == "res"]
    assert [j["kind"] for j in mine] == ["experiment", "experiment"]
    assert {j["seed"] for j in mine} == {1, 2} and all(j["state"] == "ok" for j in mine)
    baseline = next(j for j in jobs if j["kind"] == "baseline")["baseline_id"]
    assert {j["baseline_id"] for j in mine} == {baseline}
    assert subprocess.run(["git", "-C", str(repo), "rev-parse", "program/lab--res"],
                          capture_output=True).returncode == 0  # fmt: skip
