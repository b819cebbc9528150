"""`ready` patterns run on RE2 (linear time, whatever the screen holds), so `validate` refuses
what RE2 cannot run, at the pattern's place, saying why and what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG


def write(directory: Path, lines: list[str]) -> Path:
    path = directory / "org.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    return path


@pytest.mark.parametrize(
    ("pattern", "fragments"),
    [
        (r"^(\w+)> \1", ["backreferences (\\1)", "match the text itself"]),
        (r"(?P<p>>)(?P=p)", ["backreferences", "match the text itself"]),
        (r"^(?=> )", ["lookahead (?=", "match the text itself"]),
        (r"^(?!Loading)", ["lookahead (?!"]),
        (r"(?<=\$) $", ["lookbehind (?<=", "match the text itself"]),
        (r"(?<!x)> ", ["lookbehind (?<!"]),
        (r"> \Z", ["\\Z", "write \\z"]),
        (r"> a++", ["possessive", "RE2 never backtracks", "write a+ for a++"]),
        (r"(?>a)", ["atomic groups", "RE2 never backtracks"]),
        (r"(?x) >  ", ["(?x)", "without spaces and comments"]),
        (r"a{1001}", ["at most {1000}"]),
        (r"\p{L}{1000}" * 30, ["compiles too large for RE2", "use + or *"]),
        (r"(> ", ["missing )"]),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_at_its_place(
    tmp_path: Path, pattern: str, fragments: list[str]
) -> None:
    path = write(tmp_path, [*ORG, *AGENT, f"ready = '{pattern}'"])
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    error = caught.value
    assert (error.line, error.col) == (7, 9), str(error)
    assert error.message.startswith("'ready' is not a pattern RE2 can run"), str(error)
    for fragment in fragments:
        assert fragment in error.message, str(error)


def test_an_inherited_pattern_is_refused_where_it_is_written(tmp_path: Path) -> None:
    path = write(tmp_path, [*ORG, "[defaults]", "ready = '(?=x)'", *AGENT])
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    assert (caught.value.line, caught.value.col) == (5, 9)


@pytest.mark.parametrize(
    "pattern", [r"^> ", r"\$ $", r"(?i)^ready", r"^(a+)+$", r"[[:alpha:]]+>", r"\p{L}+\s*> "]
)
def test_patterns_re2_runs_are_accepted(tmp_path: Path, pattern: str) -> None:
    path = write(tmp_path, [*ORG, *AGENT, f"ready = '{pattern}'"])
    assert load_org(path).agents[0].ready == pattern
