"""The org file's value parsers (durations, clock times, sizes), the prompt-file rule, and the
TOML position locator."""

from __future__ import annotations

import pytest

from orgtui.config import format_duration, names_file, parse_clock, parse_duration, parse_size
from orgtui.config.locate import Position, locate


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("5m", 300.0), ("2h", 7200.0), ("1d", 86400.0), ("1.5h", 5400.0), ("0s", 0.0)],
)
def test_parse_duration_accepts_number_and_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "5", "5 m", " 5m", "5M", "-5m", "1h30m", ".5h", "5min", "1.h", "5ms", "1e3s"]
)
def test_parse_duration_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match='like "90s"'):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1800.0, "30m"), (90.0, "90s"), (7200.0, "2h"), (86400.0, "1d"), (0.5, "0.5s")],
)
def test_format_duration_uses_the_largest_whole_unit(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_parse_clock() -> None:
    assert parse_clock("09:00") == (9, 0)
    assert parse_clock("23:59") == (23, 59)
    for bad in ("9:00", "24:00", "12:60", "0900", "09:00:00", "noon"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_clock(bad)


def test_parse_size() -> None:
    assert parse_size("100x30") == (100, 30)
    assert parse_size("20x5") == (20, 5)
    for bad in ("100X30", "100*30", "100x", "x30", " 100x30", "100 x 30"):
        with pytest.raises(ValueError, match="COLSxROWS"):
            parse_size(bad)
    for small in ("19x30", "100x4"):
        with pytest.raises(ValueError, match="at least 20x5"):
            parse_size(small)


@pytest.mark.parametrize(
    "value", ["prompts/solo.md", "solo.md", "NOTES.TXT", "prompts/solo", "~/p/x", "my prompt.md"]
)
def test_names_file_for_paths(value: str) -> None:
    assert names_file(value)


@pytest.mark.parametrize(
    "value",
    ["", "You are a careful researcher.", "Use a/b testing, always.", "line one\nprompts/x.md"],
)
def test_names_file_not_for_inline_text(value: str) -> None:
    assert not names_file(value)


def test_locate_keys_values_headers_and_array_tables() -> None:
    text = (
        "# comment\n"  # 1
        "[org]\n"  # 2
        'name = "x"  # trailing\n'  # 3
        "\"quoted key\" = '''\n"  # 4
        "multi [not] = a table\n"  # 5
        "'''\n"  # 6
        "[[agent]]\n"  # 7
        'name = "a"\n'  # 8
        'env = { A = "b", "C" = 1 }\n'  # 9
        "to = [\n"  # 10
        '  "x", # c\n'  # 11
        "  [1, 2], {q = 3},\n"  # 12
        "]\n"  # 13
        "[[agent]]\n"  # 14
        '  env . X = "y"\n'  # 15
        "[agent.sub]\n"  # 16
        "[scheduler.metrics]\n"  # 17
        "core = 'a(b)'\n"  # 18
    )
    found = locate(text)
    assert found.tables[("org",)] == Position(2, 1)
    assert found.tables[("agent", 0)] == Position(7, 1)
    assert found.tables[("agent", 1)] == Position(14, 1)
    assert found.tables[("agent", 1, "sub")] == Position(16, 1)
    assert found.keys[("org", "name")] == Position(3, 1)
    assert found.values[("org", "name")] == Position(3, 8)
    assert found.values[("org", "quoted key")] == Position(4, 16)
    assert ("org", "multi [not]") not in found.keys
    assert found.keys[("agent", 0, "env", "A")] == Position(9, 9)
    assert found.values[("agent", 0, "env", "A")] == Position(9, 13)
    assert found.keys[("agent", 0, "env", "C")] == Position(9, 18)
    assert found.values[("agent", 0, "to", 0)] == Position(11, 3)
    assert found.values[("agent", 0, "to", 1, 1)] == Position(12, 7)
    assert found.keys[("agent", 0, "to", 2, "q")] == Position(12, 12)
    assert found.keys[("agent", 1, "env")] == Position(15, 3)
    assert found.keys[("agent", 1, "env", "X")] == Position(15, 9)
    assert found.values[("scheduler", "metrics", "core")] == Position(18, 8)


def test_locate_falls_back_to_the_table_then_the_start() -> None:
    found = locate('[org]\nname = "x"\n[[agent]]\nname = "a"\n')
    assert found.key(("org", "repo")) == Position(1, 1)
    assert found.table(("agent", 0, "command")) == Position(3, 1)
    assert found.value(("agent", 0, "env", "A")) == Position(3, 1)
    assert found.value(("process", 0, "name")) == Position(1, 1)
    # An array of tables as a whole (a misspelt `[[agents]]`) is at its first header.
    assert found.key(("agent",)) == Position(3, 1)


def test_locate_skips_strings_with_escapes_and_quotes() -> None:
    text = 'a = "x \\" = y"\nb = """one\n\\"""\ntwo"""""\nc = 1\n'
    found = locate(text)
    assert set(found.keys) == {("a",), ("b",), ("c",)}
    assert found.keys[("c",)] == Position(5, 1)
