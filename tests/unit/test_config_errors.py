"""Org file errors, part one: reading and parsing, top-level keys, `[org]`, `[research]` and
`[scheduler]`. Each case asserts the exact line and column and a fragment of the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG


def write(directory: Path, text: str, name: str = "org.toml", mode: int = 0o644) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def expect_error(path: Path, line: int, col: int, fragment: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    error = caught.value
    assert (error.line, error.col) == (line, col), str(error)
    assert fragment in error.message, str(error)
    assert str(error) == f"{path}:{line}:{col}: {error.message}"
    return error


CASES = [
    # Syntax: tomllib's message, at tomllib's place, without its "(at line X, column Y)".
    pytest.param(
        ["[org]", "name = ", 'repo = "r"'], 2, 8, "invalid TOML: Invalid value", id="syntax"
    ),
    pytest.param(
        ["[org]", 'name = "t'],
        2,
        10,
        "invalid TOML: Illegal character",
        id="syntax-unclosed-string",
    ),
    pytest.param([*ORG, '  name = "u"'], 4, 3, "key is already set", id="syntax-duplicate-key"),
    pytest.param(
        [*ORG, *AGENT, "[org]"], 7, 1, "table [org] is declared twice", id="syntax-table-twice"
    ),
    # Top level.
    pytest.param([*ORG, *AGENT, "[agents]"], 7, 1, "did you mean 'agent'?", id="unknown-table"),
    pytest.param(
        ['name = "t"', *ORG, *AGENT], 1, 1, "it belongs under [org]", id="key-outside-its-table"
    ),
    pytest.param(['org = "t"', *AGENT], 1, 1, "'org' must be a table", id="org-not-a-table"),
    pytest.param([*ORG, "[agent]", 'name = "a"'], 4, 1, "write [[agent]]", id="agent-not-an-array"),
    pytest.param(
        ['process = "x"', *ORG, *AGENT], 1, 1, "write [[process]]", id="process-not-an-array"
    ),
    # [org]
    pytest.param(
        ["[org]", 'nmae = "t"', 'repo = "r"', *AGENT],
        2,
        1,
        "did you mean 'name'?",
        id="org-unknown-key",
    ),
    pytest.param(AGENT, 1, 1, "missing required table [org]", id="org-missing"),
    pytest.param(
        ["", "[org]", 'repo = "r"', *AGENT],
        2,
        1,
        "missing required key 'name' in [org]",
        id="org-name-missing",
    ),
    pytest.param(
        ["[org]", 'name = "t"', *AGENT],
        1,
        1,
        "missing required key 'repo' in [org]",
        id="org-repo-missing",
    ),
    pytest.param(
        ["[org]", 'name = "My Org"', 'repo = "r"', *AGENT],
        2,
        8,
        'org name "My Org" is not a valid name',
        id="org-name-invalid",
    ),
    pytest.param(
        ["[org]", "name = 4", 'repo = "r"', *AGENT],
        2,
        8,
        "'name' must be a string, not an integer (4)",
        id="org-name-type",
    ),
    pytest.param(
        ["[org]", 'name = "t"', 'repo = ""', *AGENT],
        3,
        8,
        "'repo' must not be empty",
        id="org-repo-empty",
    ),
    pytest.param(
        [*ORG, 'base = "has space"', *AGENT],
        4,
        8,
        "git check-ref-format refuses it",
        id="org-base-invalid",
    ),
    pytest.param(
        [*ORG, 'program = "p..q"', *AGENT],
        4,
        11,
        "git check-ref-format refuses it",
        id="org-program-invalid",
    ),
    pytest.param(
        [*ORG, 'brief = "prompts/brief.md"', *AGENT],
        4,
        9,
        "brief file not found",
        id="org-brief-missing",
    ),
    pytest.param(
        [*ORG, 'workdir = ""', *AGENT], 4, 11, "'workdir' must not be empty", id="org-workdir-empty"
    ),
    # [research]
    pytest.param(
        [*ORG, "[research]", 'metrc = "x"', *AGENT],
        5,
        1,
        "did you mean 'metric'?",
        id="research-unknown-key",
    ),
    pytest.param(
        [*ORG, "[research]", 'goal = "lower"', *AGENT],
        5,
        8,
        '\'goal\' must be "minimize" or "maximize", not "lower"',
        id="research-goal-enum",
    ),
    pytest.param(
        [*ORG, "[research]", "seeds = 0", *AGENT],
        5,
        9,
        "'seeds' must be at least 1, not 0",
        id="research-seeds-min",
    ),
    pytest.param(
        [*ORG, "[research]", 'train = "x --t {tiem}"', *AGENT],
        5,
        9,
        "unknown placeholder {tiem} in 'train': use {time}, {flops}, {seed}",
        id="research-train-placeholder",
    ),
    pytest.param(
        [*ORG, "[research]", 'train = "x {time"', *AGENT],
        5,
        9,
        "'train' is not a valid template",
        id="research-train-template",
    ),
    pytest.param(
        [*ORG, "[research]", 'metric = ""', *AGENT],
        5,
        10,
        "'metric' must not be empty",
        id="research-metric-empty",
    ),
    # [scheduler]
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'time_budgt = "5m"'],
        8,
        1,
        "did you mean 'time_budget'?",
        id="scheduler-unknown-key",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'backend = "k8s"'],
        8,
        11,
        '\'backend\' must be "local" or "slurm", not "k8s"',
        id="scheduler-backend-enum",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'mode = "shared"'],
        8,
        8,
        '"dedicated" or "pool"',
        id="scheduler-mode-enum",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'pane_devices = "all"'],
        8,
        16,
        '"none" or "own"',
        id="scheduler-pane-devices-enum",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'devices = "gpu"'],
        8,
        11,
        '\'devices\' must be "auto", "cpu" or a list',
        id="scheduler-devices-string",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "devices = 2"],
        8,
        11,
        "not an integer (2)",
        id="scheduler-devices-type",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "devices = []"],
        8,
        11,
        "lists no device",
        id="scheduler-devices-empty",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "devices = [0, true]"],
        8,
        15,
        "not a boolean (true)",
        id="scheduler-devices-bool",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "devices = [0, -1]"],
        8,
        15,
        "at least 0, not -1",
        id="scheduler-devices-negative",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'devices = ["0", 0]'],
        8,
        17,
        "listed twice",
        id="scheduler-devices-duplicate",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "cpu_slots = 0"],
        8,
        13,
        "'cpu_slots' must be at least 1",
        id="scheduler-cpu-slots-min",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "cpu_slots = 2.5"],
        8,
        13,
        "must be an integer, not a float (2.5)",
        id="scheduler-cpu-slots-type",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'notify = "yes"'],
        8,
        10,
        "'notify' must be true or false",
        id="scheduler-notify-type",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'time_budget = "5 min"'],
        8,
        15,
        "invalid duration '5 min'",
        id="scheduler-duration-invalid",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "time_budget = 300"],
        8,
        15,
        'must be a duration string like "5m", not an integer (300)',
        id="scheduler-duration-type",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'time_budget = "0m"'],
        8,
        15,
        "must be longer than zero",
        id="scheduler-duration-zero",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'time_budget = "10m"', 'max_time = "5m"'],
        9,
        12,
        "max_time (5m) is shorter than time_budget (10m)",
        id="scheduler-max-time-below-budget",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", 'time_budget = "1h"'],
        8,
        15,
        "max_time (30m) is shorter than time_budget (1h)",
        id="scheduler-budget-above-default-max",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler.metrics]", "core = 'CORE: ([0-9.]+'"],
        8,
        8,
        "metric 'core' is not a pattern RE2 can run",
        id="metrics-regex-invalid",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler.metrics]", "core = '(?<=CORE: )([0-9.]+)'"],
        8,
        8,
        "metric 'core' is not a pattern RE2 can run: lookbehind",
        id="metrics-regex-lookbehind",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler.metrics]", "core = 'CORE: [0-9.]+'"],
        8,
        8,
        "exactly one group (...), it has 0",
        id="metrics-no-group",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "metrics = { core = '(a) (b)' }"],
        8,
        20,
        "exactly one group (...), it has 2",
        id="metrics-two-groups-inline",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler.metrics]", "core = 1"],
        8,
        8,
        "'core' must be a string, not an integer (1)",
        id="metrics-type",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler.metrics]", "'Core Metric' = '(a)'"],
        8,
        1,
        'metric name "Core Metric"',
        id="metrics-name",
    ),
    pytest.param(
        [*ORG, *AGENT, "[scheduler]", "metrics = 1"],
        8,
        11,
        "'metrics' must be a table",
        id="metrics-not-a-table",
    ),
]


@pytest.mark.parametrize(("lines", "line", "col", "fragment"), CASES)
def test_error_names_the_place_and_the_problem(
    tmp_path: Path, lines: list[str], line: int, col: int, fragment: str
) -> None:
    expect_error(write(tmp_path, "\n".join(lines) + "\n"), line, col, fragment)


def test_writable_org_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join([*ORG, *AGENT]), mode=0o664)
    error = expect_error(path, 1, 1, "writable by group")
    assert f"chmod go-w {path}" in error.message
    path.chmod(0o646)
    expect_error(path, 1, 1, "writable by others")


def test_unreadable_org_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "missing.toml", 1, 1, "cannot read org file: No such file")


def test_org_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "org.toml"
    path.write_bytes(b'[org]\nname = "t\xff"\n')
    path.chmod(0o644)
    expect_error(path, 2, 10, "not UTF-8")


def test_syntax_error_at_the_end_of_the_document(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "[org]\nname = "), 2, 8, "invalid TOML: Invalid value")


def test_brief_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    path = write(tmp_path, "\n".join([*ORG, 'brief = "prompts/"', *AGENT]))
    expect_error(path, 4, 9, "brief file is a directory")


def test_brief_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "brief.md").write_bytes(b"\xff\xfe")
    path = write(tmp_path, "\n".join([*ORG, 'brief = "brief.md"', *AGENT]))
    expect_error(path, 4, 9, "brief file is not UTF-8 text")
