"""Org file errors, part two: `[defaults]` and `[[agent]]` (count expansion, names, references).
Each case asserts the exact line and column and a fragment of the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG
BASE = [*ORG, *AGENT]  # what a case adds starts at line 7


CASES = [
    # [defaults]
    pytest.param(
        [*ORG, "[defaults]", 'comand = "bash"', *AGENT],
        5,
        1,
        "unknown key 'comand' in [defaults]; did you mean 'command'?",
        id="defaults-unknown-key",
    ),
    pytest.param(
        [*ORG, "[defaults]", 'name = "x"', *AGENT],
        5,
        1,
        "'name' cannot be set in [defaults]",
        id="defaults-name",
    ),
    pytest.param(
        [*ORG, "[defaults]", "count = 2", *AGENT],
        5,
        1,
        "'count' cannot be set in [defaults]",
        id="defaults-count",
    ),
    pytest.param(
        [*ORG, "[defaults]", 'restart = "sometimes"', *AGENT],
        5,
        11,
        '\'restart\' must be "no", "on-failure" or "always", not "sometimes"',
        id="defaults-bad-value-points-at-defaults",
    ),
    pytest.param(
        [*ORG, "[defaults]", 'prompt = "solo.md"', *AGENT],
        5,
        10,
        "prompt file not found",
        id="defaults-prompt-missing",
    ),
    # [[agent]]: keys and types
    pytest.param(
        [*BASE, "[[agents]]", 'name = "b"'],
        7,
        1,
        "unknown top-level key 'agents'; did you mean 'agent'?",
        id="agents-misspelt-at-its-header",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"', 'comand = "bash"'],
        6,
        1,
        "unknown key 'comand' in [[agent]] \"a\"; did you mean 'command'?",
        id="agent-unknown-key",
    ),
    pytest.param(
        [*BASE, "[[agent]]", 'command = "bash"'],
        7,
        1,
        "missing required key 'name' in [[agent]] #2",
        id="agent-name-missing",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"'],
        4,
        1,
        "missing required key 'command' in [[agent]] \"a\" (or set it in [defaults])",
        id="agent-command-missing",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "Alice"', 'command = "bash"'],
        5,
        8,
        'agent name "Alice" is not a valid name',
        id="agent-name-invalid",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "-a"', 'command = "bash"'],
        5,
        8,
        'agent name "-a" is not a valid name',
        id="agent-name-leading-dash",
    ),
    pytest.param(
        [*BASE, 'count = "4"'],
        7,
        9,
        "'count' must be an integer, not a string (\"4\")",
        id="agent-count-type",
    ),
    pytest.param(
        [*BASE, "count = 0"], 7, 9, "'count' must be at least 1, not 0", id="agent-count-min"
    ),
    pytest.param(
        [*BASE, "gpus = true"],
        7,
        8,
        "'gpus' must be an integer, not a boolean (true)",
        id="agent-gpus-bool",
    ),
    pytest.param([*BASE, "gpus = -1"], 7, 8, "'gpus' must be at least 1", id="agent-gpus-min"),
    # Every job gets at least one device: `job submit` refuses --gpus 0.
    pytest.param(
        [*BASE, "gpus = 0"], 7, 8, "'gpus' must be at least 1, not 0", id="agent-gpus-zero"
    ),
    pytest.param(
        [*ORG, "[defaults]", "gpus = 0", *AGENT],
        5,
        8,
        "'gpus' must be at least 1, not 0",
        id="defaults-gpus-zero",
    ),
    pytest.param([*BASE, 'role = "junor"'], 7, 8, "did you mean 'junior'?", id="agent-role-enum"),
    pytest.param(
        [*BASE, 'kind = "gpt"'],
        7,
        8,
        '\'kind\' must be "claude", "codex", "shell" or "builtin", not "gpt"',
        id="agent-kind-enum",
    ),
    pytest.param(
        [*BASE, 'on_prompt_change = "resend"'],
        7,
        20,
        '"keep" or "send"',
        id="agent-on-prompt-change-enum",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"', 'command = ""'],
        6,
        11,
        "'command' is empty",
        id="agent-command-empty",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"', "command = []"],
        6,
        11,
        "'command' is empty",
        id="agent-command-empty-list",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"', 'command = ["bash", 1]'],
        6,
        20,
        "each argument of 'command' must be a string, not an integer (1)",
        id="agent-command-list-type",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"', "command = 1"],
        6,
        11,
        "'command' must be a string or a list of strings",
        id="agent-command-type",
    ),
    pytest.param(
        [*ORG, "[[agent]]", 'name = "a"', 'command = "bash -c \'x"'],
        6,
        11,
        "'command' cannot be split into arguments: No closing quotation",
        id="agent-command-unsplittable",
    ),
    pytest.param(
        [*BASE, 'prompt = "prompts/solo.md"'],
        7,
        10,
        "prompt file not found",
        id="agent-prompt-missing",
    ),
    pytest.param(
        [*BASE, 'prompt = "prompts/solo"'],
        7,
        10,
        "prompt file not found",
        id="agent-prompt-path-without-suffix",
    ),
    pytest.param(
        [*BASE, "env = { A = 1 }"],
        7,
        13,
        "'A' must be a string, not an integer (1)",
        id="agent-env-value-type",
    ),
    pytest.param(
        [*BASE, 'env = { "A B" = "1" }'],
        7,
        9,
        '"A B" is not a valid environment variable name',
        id="agent-env-name",
    ),
    pytest.param(
        [*BASE, 'env = { ORGTUI_AGENT = "x" }'],
        7,
        9,
        "ORGTUI_ variables are set by orgtui",
        id="agent-env-reserved",
    ),
    pytest.param([*BASE, 'env = "A=1"'], 7, 7, "'env' must be a table", id="agent-env-type"),
    pytest.param(
        [*BASE, 'size = "100*30"'],
        7,
        8,
        "invalid size '100*30': write COLSxROWS",
        id="agent-size-form",
    ),
    pytest.param([*BASE, 'size = "10x5"'], 7, 8, "too small: at least 20x5", id="agent-size-small"),
    pytest.param(
        [*BASE, "ready = '(> '"],
        7,
        9,
        "'ready' is not a pattern RE2 can run: missing )",
        id="agent-ready-regex",
    ),
    pytest.param(
        [*BASE, "[agent.env]", "A = 1"],
        8,
        5,
        "'A' must be a string, not an integer (1)",
        id="agent-env-subtable-value-type",
    ),
    pytest.param(
        ["agent = [", '  { name = "a", command = "bash" },', '  { name = "b" },', "]", *ORG],
        3,
        3,
        "missing required key 'command' in [[agent]] \"b\"",
        id="agent-inline-table-missing-key",
    ),
    # [[agent]]: names after count expansion, and references between agents
    pytest.param(
        [*BASE, "[[agent]]", 'name = "a"', 'command = "bash"'],
        8,
        1,
        'agent name "a" is already taken by [[agent]] "a" at line 5',
        id="agent-duplicate",
    ),
    pytest.param(
        [
            *ORG,
            "[[agent]]",
            'name = "claude"',
            "count = 2",
            'command = "claude"',
            "",
            "[[agent]]",
            'name = "claude-2"',
            'command = "claude"',
        ],
        10,
        1,
        'agent name "claude-2" is already taken by [[agent]] "claude" (count = 2) at line 5',
        id="agent-duplicate-after-expansion",
    ),
    pytest.param(
        [
            *ORG,
            "[[agent]]",
            'name = "x-1"',
            'command = "bash"',
            "[[agent]]",
            'name = "x"',
            "count = 2",
            'command = "bash"',
        ],
        8,
        1,
        '[[agent]] "x" with count = 2 makes "x-1", which is already taken by [[agent]] "x-1" at line 5',
        id="agent-expansion-clashes",
    ),
    pytest.param(
        [
            *ORG,
            "[[agent]]",
            'name = "x"',
            "count = 2",
            'command = "bash"',
            "[[agent]]",
            'name = "x"',
            'command = "bash"',
        ],
        9,
        1,
        'agent name "x" is already taken by [[agent]] "x" (count = 2) at line 5',
        id="agent-group-name-clashes",
    ),
    pytest.param(
        [*BASE, 'reports_to = "cheif"', "[[agent]]", 'name = "chief"', 'command = "claude"'],
        7,
        14,
        "'reports_to' names no agent: \"cheif\"; did you mean 'chief'?",
        id="agent-reports-to-unknown",
    ),
    pytest.param(
        [*BASE, 'reports_to = "j"', "[[agent]]", 'name = "j"', "count = 2", 'command = "codex"'],
        7,
        14,
        "'reports_to' names \"j\", a group of 2 agents: name one of j-1, j-2",
        id="agent-reports-to-group",
    ),
    pytest.param(
        [*BASE, 'reports_to = "a"'],
        7,
        14,
        'agent "a" cannot report to itself',
        id="agent-reports-to-self",
    ),
    pytest.param(
        [*BASE, 'reports_to = ""'],
        7,
        14,
        "'reports_to' must name an agent",
        id="agent-reports-to-empty",
    ),
    pytest.param(ORG, 1, 1, "the org has no agents", id="no-agents"),
    pytest.param(["agent = []", *ORG], 1, 1, "the org has no agents", id="no-agents-empty-array"),
    pytest.param(
        ["agent = [1]", *ORG],
        1,
        10,
        "each agent must be a table, not an integer (1)",
        id="agent-not-a-table",
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


def test_prompt_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    path = tmp_path / "org.toml"
    path.write_text("\n".join([*BASE, 'prompt = "./prompts"', ""]))
    path.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    assert (caught.value.line, caught.value.col) == (7, 10)
    assert "prompt file is a directory" in caught.value.message


def test_an_inherited_command_error_points_at_defaults(tmp_path: Path) -> None:
    path = tmp_path / "org.toml"
    path.write_text("\n".join([*ORG, "[defaults]", 'command = ""', "[[agent]]", 'name = "a"', ""]))
    path.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    assert (caught.value.line, caught.value.col) == (5, 11)
    assert "'command' is empty" in caught.value.message
