"""A first run: agents start only once orgd answers on its socket, so an agent whose first act
is to ask orgd (as the built-in researcher does) never dies of `DaemonUnreachable`; and a
tinychat job's log holds its output and no warning of torch's (NumPy is installed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import agent_toml, org_toml, wait_for

OUT = '"$ORGTUI_WORKTREE/../$ORGTUI_AGENT.out"'
# Each asks orgd at once, adds what it heard to its .out file and sleeps; if orgd does not
# answer it exits 7 (and is restarted: on-failure). Two ask as the built-in researcher does,
# straight on the socket (a Python that starts in a fraction of a second); two with
# `orgtui status`.
ASK = (
    "from os import environ as e; from pathlib import Path; "
    "from orgtui.protocol.client import call; from orgtui.protocol.status import Status; "
    "print('org', call(Path(e['ORGTUI_SOCKET']), Status()).org)"
)
SOCKET = f"{sys.executable} -c {ASK!r} >> {OUT} 2>&1 || exit 7; exec sleep 600"
CLI = f"orgtui status >> {OUT} 2>&1 || exit 7; exec sleep 600"
FOUR = org_toml(
    "first",
    *(
        agent_toml(f"a{i}", ["sh", "-c", SOCKET if i < 2 else CLI], restart="on-failure")
        for i in range(4)
    ),
)


def test_agents_that_ask_orgd_at_once_never_die(write_org, orgtui, tmp_path: Path):
    orgtui("up", str(write_org(FOUR)))
    outs = [tmp_path / ".orgtui" / "first" / "worktrees" / f"a{i}.out" for i in range(4)]
    wait_for(lambda: all(o.exists() and o.stat().st_size for o in outs), timeout=30)
    agents = orgtui.status()["agents"]
    assert [(a["name"], a["restarts"]) for a in agents] == [(f"a{i}", 0) for i in range(4)]
    assert all(a["state"] in ("starting", "running") for a in agents), agents
    for out in outs:
        text = out.read_text()
        assert "org first" in text and "Traceback" not in text, text


TINY = org_toml(
    "tiny",
    """
    [research]
    train = "{python} train.py --flops {flops} --seed {seed} --threads 1"
    """,
    agent_toml("a"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 1
    """,
)


def test_a_tinychat_jobs_log_has_no_warning(orgtui, tmp_path: Path):
    repo = tmp_path / "tiny"
    orgtui("init", str(repo))
    org = tmp_path / "tiny.toml"
    org.write_text(TINY.replace("{repo}", str(repo)))
    orgtui("up", str(org))
    out = orgtui("job", "submit", "--agent", "a", "--kind", "other", "--seed", "1", "--flops",
                 "1.6e10", "--wait")  # fmt: skip
    job = out.stdout.splitlines()[0]  # its id first, then its log, then how it ended
    shown = json.loads(orgtui("job", "show", job, "--json").stdout)
    assert shown["state"] == "ok", shown
    log = Path(shown["log"]).read_text()
    assert "val_bpb:" in log and "step 00005/00005" in log
    assert "NumPy" not in log and "Warning" not in log, log
