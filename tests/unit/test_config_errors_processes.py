"""Org file errors, part three: `[[process]]`, the rituals. Each case asserts the exact line
and column and a fragment of the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG
BASE = [*ORG, *AGENT]  # what a case adds starts at line 7


def process(*lines: str) -> list[str]:
    """A `[[process]]` with the keys each ritual needs, then `lines` (from line 11 on BASE)."""
    return ["[[process]]", 'name = "p"', 'kind = "send"', 'send = "hi"', *lines]


CASES = [
    pytest.param(
        [*BASE, *process('evry = "1h"')],
        11,
        1,
        "unknown key 'evry' in [[process]] \"p\"; did you mean 'every'?",
        id="process-unknown-key",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'name = "Standup"', 'kind = "send"'],
        8,
        8,
        'process name "Standup" is not a valid name',
        id="process-name-invalid",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'kind = "send"'],
        7,
        1,
        "missing required key 'name' in [[process]] #1",
        id="process-name-missing",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'name = "p"', 'every = "1h"'],
        7,
        1,
        "missing required key 'kind' in [[process]] \"p\"",
        id="process-kind-missing",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'name = "p"', 'kind = "remind"'],
        9,
        8,
        '\'kind\' must be "send", "collect", "nudge" or "baseline", not "remind"',
        id="process-kind-enum",
    ),
    pytest.param(
        [*BASE, *process()],
        7,
        1,
        '[[process]] "p" needs \'every\' (like "24h") or \'at\' (like "09:00")',
        id="process-every-and-at-neither",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'at = "09:00"')],
        12,
        1,
        "set either 'every' or 'at', not both",
        id="process-every-and-at-both",
    ),
    pytest.param(
        [*BASE, *process('at = "9am"')],
        11,
        6,
        "'at': invalid time '9am': write a 24-hour local time HH:MM",
        id="process-at-form",
    ),
    pytest.param(
        [*BASE, *process('at = "24:00"')], 11, 6, "invalid time '24:00'", id="process-at-range"
    ),
    pytest.param(
        [*BASE, *process('every = "daily"')],
        11,
        9,
        "invalid duration 'daily'",
        id="process-every-invalid",
    ),
    pytest.param(
        [*BASE, *process('every = "0s"')],
        11,
        9,
        "'every' must be longer than zero",
        id="process-every-zero",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'to = "everyone"')],
        12,
        6,
        "'to' names no agent or role: \"everyone\"",
        id="process-to-unknown-string",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'to = ["a", "bob"]')],
        12,
        12,
        "'to' names no agent or role: \"bob\"",
        id="process-to-unknown-in-list",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'to = ["juniors"]')],
        12,
        7,
        "did you mean 'junior'?",
        id="process-to-did-you-mean",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'to = ["junior"]')],
        12,
        7,
        "a list in 'to' names agents; for every junior write to = \"junior\"",
        id="process-to-role-in-list",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', "to = []")],
        12,
        6,
        "'to' lists no agent",
        id="process-to-empty",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', "to = [1]")],
        12,
        7,
        "'to' must list agent names, not an integer (1)",
        id="process-to-element-type",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', "to = 1")],
        12,
        6,
        "'to' must be a string or a list of agent names",
        id="process-to-type",
    ),
    pytest.param(
        [
            *BASE,
            "[[process]]",
            'name = "p"',
            'kind = "send"',
            'every = "1h"',
            'send = "{agent} {who}"',
        ],
        11,
        8,
        "unknown placeholder {who} in 'send'",
        id="process-send-placeholder",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'name = "p"', 'kind = "nudge"', 'every = "1h"'],
        7,
        1,
        'missing required key \'send\' in [[process]] "p" (kind = "nudge")',
        id="process-send-missing",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'name = "p"', 'kind = "send"', 'every = "1h"', 'send = ""'],
        11,
        8,
        "a send process needs a 'send' message",
        id="process-send-empty",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'deadline = "30m"')],
        12,
        1,
        '\'deadline\' applies only to kind = "collect", not "send"',
        id="process-deadline-wrong-kind",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'idle = "30m"')],
        12,
        1,
        "'idle' applies only to kind = \"nudge\"",
        id="process-idle-wrong-kind",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"', 'deliver_to = ["a"]')],
        12,
        1,
        "'deliver_to' applies only to kind = \"collect\"",
        id="process-deliver-to-wrong-kind",
    ),
    pytest.param(
        [
            *BASE,
            "[[process]]",
            'name = "p"',
            'kind = "collect"',
            'every = "1h"',
            'deliver_to = ["a", "chief"]',
        ],
        11,
        20,
        "'deliver_to' names no agent: \"chief\"",
        id="process-deliver-to-unknown",
    ),
    pytest.param(
        [
            *BASE,
            "[[process]]",
            'name = "p"',
            'kind = "collect"',
            'every = "1h"',
            'deadline = "soon"',
        ],
        11,
        12,
        "invalid duration 'soon'",
        id="process-deadline-invalid",
    ),
    pytest.param(
        [
            *BASE,
            "[[process]]",
            'name = "p"',
            'kind = "collect"',
            'every = "1h"',
            'send = "write your standup, {agent}"',
        ],
        11,
        8,
        "its 'send' message must name that file with {agent} in it",
        id="process-collect-names-no-file",
    ),
    pytest.param(
        [*BASE, "[[process]]", 'name = "p"', 'kind = "collect"', 'every = "1h"'],
        9,
        8,
        "its 'send' message must name that file with {agent} in it",
        id="process-collect-without-send",
    ),
    pytest.param(
        [*BASE, *process('every = "1h"'), *process('every = "2h"')],
        13,
        1,
        'process name "p" is already used by the [[process]] at line 8',
        id="process-duplicate",
    ),
]


@pytest.mark.parametrize(("lines", "line", "col", "fragment"), CASES)
def test_error_names_the_place_and_the_problem(
    tmp_path: Path, lines: list[str], line: int, col: int, fragment: str
) -> None:
    path = tmp_path / "org.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    error = caught.value
    assert (error.line, error.col) == (line, col), str(error)
    assert fragment in error.message, str(error)


def test_collect_finds_the_file_its_message_names() -> None:
    from orgtui.config.processes import collect_path, digest_path

    send = "Standup: write done / next / blocked to {comms}/standup/{date}/{agent}.md."
    assert collect_path(send) == "{comms}/standup/{date}/{agent}.md"
    assert digest_path("{comms}/standup/{date}/{agent}.md") == "{comms}/standup/{date}.md"
    assert digest_path("{comms}/notes-{agent}.md") == "{comms}/notes-all.md"
    assert collect_path("({agent}.md)") == "{agent}.md"
    assert collect_path("hello {agent}, write a note") is None
