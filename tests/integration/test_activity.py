"""Activity: a pane that keeps printing is busy; a quiet one is idle, for a growing time."""

from __future__ import annotations

from tests.helpers import agent_toml, org_toml, wait_for

ORG = org_toml(
    "busy",
    agent_toml("printer", ["sh", "-c", "while :; do echo tick; sleep 0.2; done"]),
    agent_toml("quiet", ["bash", "--norc"]),
)


def by_name(orgtui) -> dict[str, dict]:
    return {a["name"]: a for a in orgtui.status()["agents"]}


def test_busy_and_idle(write_org, orgtui):
    orgtui("up", str(write_org(ORG)))
    agents = wait_for(
        lambda: (a := by_name(orgtui))["quiet"]["idle_seconds"] >= 3 and a, timeout=15
    )
    assert agents["quiet"]["activity"] == "idle"
    assert agents["printer"]["activity"] == "busy" and agents["printer"]["idle_seconds"] < 2
    later = wait_for(lambda: (a := by_name(orgtui))["quiet"]["idle_seconds"] >= 5 and a, timeout=15)
    assert later["printer"]["activity"] == "busy"
    # Typing into the quiet one makes it busy, then idle again.
    orgtui("send", "quiet", "echo now")
    assert by_name(orgtui)["quiet"]["idle_seconds"] < 2
    wait_for(lambda: by_name(orgtui)["quiet"]["activity"] == "idle", timeout=10)
