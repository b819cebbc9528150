"""Settings orgd reads once, at `up`, edited while the org runs (on a real orgd and tmux):
`[scheduler] backend` (and on Slurm `shared_dir` and the partition) would do nothing until
the next `up`, so a save that changes one is refused like a change of `[org]`: the org runs
the last good version, `status` says which key and what to do, until the edit is undone."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import agent_toml, org_toml, wait_for

SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 1
time_budget = "30s"
"""


def test_a_changed_backend_is_refused_until_down_and_up(write_org, orgtui, tmp_path: Path):
    org = write_org(org_toml("fixed", agent_toml("ann"), SCHEDULER))
    orgtui("up", str(org))
    status = orgtui.status()
    version, pid = status["config"]["hash"], status["agents"][0]["pane_pid"]
    good = org.read_text()
    shared = tmp_path / "shared"
    org.write_text(good.replace('cpu_slots = 1', f'cpu_slots = 1\nbackend = "slurm"\n'
                                                 f'shared_dir = "{shared}"'))  # fmt: skip
    error = wait_for(lambda: orgtui.status()["config"]["error"], timeout=15, what="the error")
    assert "[scheduler] backend cannot change while the org runs (it was local)" in error, error
    assert "`orgtui down`, then `orgtui up`" in error
    out = orgtui("reload", check=False)
    assert out.returncode == 2 and "[scheduler] backend cannot change" in out.stderr
    status = orgtui.status()
    assert status["config"]["hash"] == version and status["agents"][0]["pane_pid"] == pid
    assert status["scheduler"]["backend"] == "local"

    org.write_text(good.replace('time_budget = "30s"', 'time_budget = "40s"'))
    status = wait_for(
        lambda: (s := orgtui.status())["config"]["error"] is None and s["config"]["hash"] != version and s,
        timeout=15, what="the undone edit and a good one applied",
    )  # fmt: skip
    assert status["config"]["plan"]["scheduler"] == ["time_budget"]
    assert status["agents"][0]["pane_pid"] == pid
