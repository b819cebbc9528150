"""Addressing: with ORG omitted, the one running org; with two running, an error listing both;
an org named by name or by file; inside an agent's pane, the pane's org."""

from __future__ import annotations

from tests.helpers import agent_toml, org_toml

AGENT = agent_toml("a", "bash --norc")


def test_org_addressing(write_org, orgtui):
    one = write_org(org_toml("one", AGENT), "one.toml")
    orgtui("up", str(one))
    assert orgtui.status()["org"] == "one"
    two = write_org(org_toml("two", AGENT), "two.toml")
    orgtui("up", str(two))
    proc = orgtui("status", check=False)
    assert proc.returncode == 2
    assert (
        "several orgs are running" in proc.stderr and "one" in proc.stderr and "two" in proc.stderr
    )
    assert orgtui.status("two")["org"] == "two"
    assert orgtui("status", str(one), "--json").stdout.count('"org": "one"') == 1
    inside = orgtui("status", "--json", env={"ORGTUI_ORG": str(two)}).stdout
    assert '"org": "two"' in inside
    proc = orgtui("status", "--org", "three", check=False)
    assert proc.returncode == 2 and "no org named 'three' is running" in proc.stderr
    orgtui("down", "one")
    orgtui("down", "two")
    proc = orgtui("status", check=False)
    assert proc.returncode == 2 and "no org is running" in proc.stderr
