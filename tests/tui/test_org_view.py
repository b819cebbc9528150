"""The side panel's Org section from a status as orgd sends it: the version applied, an
error that did not apply, the last change, and the rituals' last and next runs."""

from __future__ import annotations

from orgtui.tui.sidepanel.org import render_org

NOW = 1_800_000_000.0


def status(**config) -> dict:
    return {
        "file": "/srv/org.toml",
        "config": {"hash": "0a60218c9288ffff", "applied_at": NOW - 60, "error": None,
                   "plan": None, **config},
        "processes": [
            {"name": "standup", "kind": "collect", "last_run": None, "next_run": NOW + 1800},
            {"name": "baseline", "kind": "baseline", "last_run": NOW - 5, "next_run": NOW + 55},
        ],
    }  # fmt: skip


def test_a_good_version_its_last_change_and_the_rituals() -> None:
    text = render_org(status(plan={"lines": ["add agent bob-1", "ritual: added standup"]}), NOW)
    plain = text.plain
    assert "version 0a60218c9288, applied" in plain and "NOT APPLIED" not in plain
    assert "Last change\n  add agent bob-1\n  ritual: added standup" in plain
    assert "standup      collect  last -         next in 30m" in plain
    assert "baseline     baseline last" in plain and "next in 55s" in plain


def test_an_error_that_did_not_apply_is_said_in_red() -> None:
    text = render_org(status(error="/srv/org.toml:15:9: 'count' must be an integer"), NOW)
    assert "NOT APPLIED: /srv/org.toml:15:9: 'count' must be an integer" in text.plain
    assert any("red" in str(span.style) for span in text.spans)
    assert "none ([[process]]" in render_org({"config": {}, "processes": []}, NOW).plain
