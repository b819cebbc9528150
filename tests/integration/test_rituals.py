"""The org's rituals on a real orgd and tmux, with periods of seconds: a send, a collect with
a missing contributor, a nudge that fires once per idle period (not in a loop), and a
baseline queued at start and again when a commit lands on the program branch."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

AGENTS = org_toml(
    "rites",
    """
    [research]
    train = "python3 train.py --seed {seed}"
    seeds = 2
    """,
    agent_toml("ann"),
    agent_toml("bob"),
    agent_toml("cy", role="chief"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    notify = false
    time_budget = "30s"
    """,
)


def screen(status: dict, agent: str) -> str:
    return subprocess.run(["tmux", "-S", status["tmux_socket"], "capture-pane", "-p", "-J",
                           "-S", "-200", "-t", f"=rites:={agent}"],
                          capture_output=True, text=True).stdout  # fmt: skip


def ritual(status: dict, name: str) -> dict:
    return next(p for p in status["processes"] if p["name"] == name)


def checked(orgtui, name: str, ticks: int) -> None:
    """Wait until ritual `name` has looked `ticks` more times (a tick is about a second)
    whether it is due or who is idle: it had its chances, so what it did not do, it will not."""
    start = ritual(orgtui.status(), name)["checks"]
    wait_for(
        lambda: ritual(orgtui.status(), name)["checks"] >= start + ticks,
        timeout=3 * ticks + 10,
        what=f"{ticks} more checks of {name}",
    )


def test_send_and_collect_with_a_missing_contributor(write_org, orgtui, tmp_path):
    org = write_org(
        AGENTS
        + """
[[process]]
name = "hello"
kind = "send"
every = "2s"
to = "chief"
send = "hello {agent}, you are the {role} of {program}"

[[process]]
name = "standup"
kind = "collect"
every = "1h"
to = ["ann", "bob"]
send = "Standup: write done / next / blocked to {comms}/standup/{date}/{agent}.md"
deadline = "3s"
deliver_to = ["cy"]
"""
    )
    orgtui("up", str(org))
    status = orgtui.status()
    assert ritual(status, "hello")["last_run"] is None
    wait_for(lambda: "# hello cy, you are the chief of program/rites" in screen(status, "cy"),
             timeout=15, what="the send ritual's message")  # fmt: skip
    assert "hello" not in screen(status, "ann")  # to = "chief" only
    hello = ritual(orgtui.status(), "hello")
    assert hello["last_run"] and 1.5 < hello["next_run"] - hello["last_run"] < 2.5

    # The collect ritual runs an hour from now: make it now through a live edit.
    org.write_text(org.read_text().replace('every = "1h"', 'every = "3s"'))
    comms = tmp_path / ".orgtui" / "rites" / "comms"
    date = time.strftime("%Y-%m-%d")
    asked = f"# Standup: write done / next / blocked to {comms}/standup/{date}/ann.md"
    wait_for(lambda: asked in screen(status, "ann"), timeout=20, what="ann asked")
    (comms / "standup" / date).mkdir(parents=True, exist_ok=True)
    (comms / "standup" / date / "ann.md").write_text("done: lr sweep\nnext: soft-cap\n")
    digest = comms / "standup" / f"{date}.md"
    wait_for(digest.exists, timeout=20, what="the digest")
    text = digest.read_text()
    assert text.startswith(f"# standup {date}: 1 of 2 answered")
    assert "## ann\n\ndone: lr sweep\nnext: soft-cap" in text and "No answer from: bob." in text
    wait_for(lambda: f"# # standup {date}: 1 of 2 answered" in screen(status, "cy"),
             timeout=20, what="the digest delivered to the chief")  # fmt: skip
    assert "1 of 2 answered" not in screen(status, "bob")


def test_a_nudge_fires_once_per_idle_period(write_org, orgtui):
    org = write_org(
        AGENTS
        + """
[[process]]
name = "nudge"
kind = "nudge"
every = "1s"
idle = "3s"
to = ["ann"]
send = "still there, {agent}? pick your next experiment"
"""
    )
    orgtui("up", str(org))
    status = orgtui.status()
    line = "# still there, ann? pick your next experiment"
    wait_for(lambda: line in screen(status, "ann"), timeout=20, what="the first nudge")
    first = ritual(orgtui.status(), "nudge")["last_run"]
    checked(orgtui, "nudge", 8)  # idle on: well past two more idle periods, no second nudge
    assert screen(status, "ann").count(line) == 1
    assert ritual(orgtui.status(), "nudge")["last_run"] == first
    assert line not in screen(status, "bob")
    # ann works again (its own output), then goes idle: a new period, one more nudge.
    subprocess.run(["tmux", "-S", status["tmux_socket"], "send-keys", "-t", "=rites:=ann",
                    "echo back to work", "Enter"], check=True)  # fmt: skip
    wait_for(lambda: screen(status, "ann").count(line) == 2, timeout=25, what="the second nudge")
    second = ritual(orgtui.status(), "nudge")["last_run"]
    checked(orgtui, "nudge", 6)
    assert screen(status, "ann").count(line) == 2
    assert ritual(orgtui.status(), "nudge")["last_run"] == second


def test_a_baseline_at_start_and_when_the_program_branch_moves(write_org, orgtui, repo):
    (repo / "train.py").write_text(
        "import os\nprint('val_bpb:', 1 + int(os.environ['ORGTUI_SEED']) % 1000 / 10000)\n"
    )
    git(repo, "commit", "-qam", "train prints val_bpb")
    org = write_org(
        AGENTS
        + """
[[process]]
name = "baseline"
kind = "baseline"
every = "1s"
"""
    )
    orgtui("up", str(org))

    def baselines() -> list[dict]:
        jobs = json.loads(orgtui("job", "ls", "--json").stdout)
        return [j for j in jobs if j["kind"] == "baseline"]

    first = wait_for(lambda: len(b := baselines()) == 2 and b, timeout=20, what="a baseline")
    head = git(repo, "rev-parse", "program/rites").strip()
    assert {j["commit"] for j in first} == {head}
    seeds = [j["seed"] for j in first]  # orgd draws them: two different ones
    assert len(set(seeds)) == 2 and all(isinstance(s, int) and s > 0 for s in seeds)
    group = first[0]["group"]
    assert [j["group"] for j in first] == [group, group]
    shown = json.loads(orgtui("group", "show", str(group), "--json").stdout)
    assert shown["kind"] == "baseline" and shown["jobs"] == [j["id"] for j in first]
    assert {j["agent"] for j in first} == {"@baseline"} and first[0]["branch"] == "program/rites"
    checked(orgtui, "baseline", 3)  # the branch did not move: nothing more is queued
    assert len(baselines()) == 2

    def finished() -> list[dict]:
        jobs = baselines()
        return jobs if all(j["state"] == "ok" for j in jobs) else []

    done = wait_for(finished, timeout=30, what="the baseline's seeds ok")
    # each seed reached its job (ORGTUI_SEED)
    assert [j["metrics"]["val_bpb"] for j in done] == [1 + j["seed"] % 1000 / 10000 for j in done]

    # A commit lands on the program branch: its head gets a baseline of its own.
    git(repo, "checkout", "-q", "program/rites")
    (repo / "train.py").write_text("print('val_bpb: 0.9')\n")
    git(repo, "commit", "-qam", "a win, merged")
    moved = git(repo, "rev-parse", "HEAD").strip()
    second = wait_for(lambda: len(b := baselines()) == 4 and b[2:], timeout=20)
    assert {j["commit"] for j in second} == {moved}
    assert [j["group"] for j in second] == [second[0]["group"]] * 2
    assert second[0]["group"] != group
    board = (Path(orgtui.status()["workdir"]) / "comms" / "board.md").read_text()
    assert f"Baseline of `program/rites` at {moved[:8]} queued" in board
