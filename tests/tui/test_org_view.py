"""The side panel's Org section from a status as orgd sends it: the version applied, an
error that did not apply, the last change, and the rituals' last and next runs."""

from __future__ import annotations

from orgtui.protocol.status import AppliedPlan, ConfigStatus, RitualStatus
from orgtui.tui.sidepanel.org import render_org

NOW = 1_800_000_000.0
FILE = "/srv/org.toml"
PROCESSES = [
    RitualStatus(name="standup", kind="collect", last_run=None, next_run=NOW + 1800, checks=3),
    RitualStatus(name="baseline", kind="baseline", last_run=NOW - 5, next_run=NOW + 55, checks=9),
]


def config(error: str | None = None, lines: list[str] | None = None) -> ConfigStatus:
    """The org file's version that runs, as orgd's status says it: `lines`, its last change."""
    plan = None
    if lines is not None:
        plan = AppliedPlan(add=[], remove=[], restart={}, prompts=[], settings={}, processes=[],
                           scheduler=[], research=[], lines=lines)  # fmt: skip
    return ConfigStatus(hash="0a60218c9288ffff", applied_at=NOW - 60, error=error, plan=plan)


def test_a_good_version_its_last_change_and_the_rituals() -> None:
    text = render_org(
        FILE, config(lines=["add agent bob-1", "ritual: added standup"]), PROCESSES, NOW
    )
    plain = text.plain
    assert "version 0a60218c9288, applied" in plain and "NOT APPLIED" not in plain
    assert "Last change\n  add agent bob-1\n  ritual: added standup" in plain
    assert "standup      collect  last -         next in 30m" in plain
    assert "baseline     baseline last" in plain and "next in 55s" in plain


def test_an_error_that_did_not_apply_is_said_in_red() -> None:
    error = "/srv/org.toml:15:9: 'count' must be an integer"
    text = render_org(FILE, config(error=error), PROCESSES, NOW)
    assert "NOT APPLIED: /srv/org.toml:15:9: 'count' must be an integer" in text.plain
    assert any("red" in str(span.style) for span in text.spans)
    assert "none ([[process]]" in render_org(FILE, config(), [], NOW).plain
