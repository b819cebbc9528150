"""Org files too big, too deep or too many: each refused with a message at its place, never a
traceback, and always within a second (`orgtui validate` runs on any file a person points it
at, and orgd reloads whatever is saved)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org
from orgtui.config.limits import (
    MAX_AGENTS,
    MAX_DEPTH,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    MAX_TEXT_FILE_BYTES,
    MAX_VALUE_CHARS,
)

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG
BASE = [*ORG, *AGENT]  # what a case adds starts at line 7
SECOND = 1.0


def write(directory: Path, lines: list[str], name: str = "org.toml") -> Path:
    path = directory / name
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    return path


def refused(path: Path) -> tuple[ConfigError, float]:
    """The error loading `path` raises, and the seconds it took to say so."""
    start = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_org(path)
    return caught.value, time.monotonic() - start


def test_deeply_nested_arrays_are_refused_by_validate_without_a_traceback(tmp_path: Path) -> None:
    depth = 100_000
    path = write(tmp_path, [*BASE, "env = " + "[" * depth + "]" * depth])
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "orgtui", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"{path}:7:{7 + MAX_DEPTH}: arrays and inline tables are nested more than {MAX_DEPTH} deep"
    )
    assert time.monotonic() - start < 10 * SECOND  # a fresh interpreter, then well under one


def test_nesting_inside_an_inline_table_and_strings_that_look_like_brackets(tmp_path: Path) -> None:
    # Brackets inside strings and comments are text, not nesting.
    text = [*BASE, 'env = { A = "[[[[[[[[[[[[[[[[[[[[" } # [[[[[[[[[[[[[[[[[[[[[[[[[[[']
    assert load_org(write(tmp_path, text)).agents[0].env["A"].startswith("[[[")
    nested = "x = " + "{ y = " * (MAX_DEPTH + 1) + "1" + " }" * (MAX_DEPTH + 1)
    error, took = refused(write(tmp_path, [*ORG, "[scheduler.metrics]", nested]))
    assert (error.line, error.col) == (5, 5 + 6 * MAX_DEPTH)
    assert "nested more than" in error.message and took < SECOND


def test_a_file_over_the_size_limit_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = write(tmp_path, [*BASE, "# " + "x" * MAX_FILE_BYTES])
    error, took = refused(path)
    assert (error.line, error.col) == (1, 1)
    assert error.message == (
        "org file is larger than 256 KiB: put long prompts and briefs in files of their own"
    )
    assert took < SECOND


def test_an_org_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    error, took = refused(Path("/dev/zero"))
    assert (error.line, error.col) == (1, 1)
    assert error.message == "org file is not a regular file" and took < SECOND


def test_a_long_command_is_refused_at_its_value_within_a_second(tmp_path: Path) -> None:
    command = "a" * (MAX_FILE_BYTES - 100)  # shlex.split takes seconds on this, minutes on 2 MB
    path = write(tmp_path, [*ORG, "[[agent]]", 'name = "a"', f'command = "{command}"'])
    error, took = refused(path)
    assert (error.line, error.col) == (6, 11)
    assert error.message == (
        f"this string is {len(command):,} characters long; a value may be at most "
        f"{MAX_VALUE_CHARS:,} (put long prompts and briefs in files of their own)"
    )
    assert took < SECOND


def test_a_long_key_is_refused_at_the_key(tmp_path: Path) -> None:
    key = "K" * (MAX_VALUE_CHARS + 1)
    error, _ = refused(write(tmp_path, [*BASE, "[agent.env]", f'{key} = "1"']))
    assert (error.line, error.col) == (8, 1)
    assert "a key may be at most" in error.message


def test_a_value_at_the_limit_is_accepted(tmp_path: Path) -> None:
    command = "b" * MAX_VALUE_CHARS
    path = write(tmp_path, [*ORG, "[[agent]]", 'name = "a"', f'command = "{command}"'])
    start = time.monotonic()
    assert load_org(path).agents[0].command == (command,)
    assert time.monotonic() - start < SECOND


def test_an_inherited_long_command_is_split_once_for_all_agents(tmp_path: Path) -> None:
    # [defaults] command, inherited by every agent: its cost must not multiply by the agents.
    command = " ".join(["'" + "c" * (MAX_VALUE_CHARS // 2 - 8) + "'"] * 2)
    agents = [line for n in range(MAX_AGENTS) for line in ("[[agent]]", f'name = "a{n}"')]
    path = write(tmp_path, [*ORG, "[defaults]", f'command = "{command}"', *agents])
    start = time.monotonic()
    assert len(load_org(path).agents) == MAX_AGENTS
    assert time.monotonic() - start < SECOND


def test_a_huge_count_is_refused_at_once(tmp_path: Path) -> None:
    error, took = refused(write(tmp_path, [*BASE, "count = 100000000000"]))
    assert (error.line, error.col) == (7, 9)
    assert error.message == f"'count' must be at most {MAX_AGENTS}, not 100000000000"
    assert took < SECOND


def test_the_whole_org_is_limited_in_agents(tmp_path: Path) -> None:
    groups = [
        line for n in range(3) for line in ("[[agent]]", f'name = "g{n}"', f"count = {MAX_AGENTS}")
    ]
    path = write(tmp_path, [*ORG, "[defaults]", 'command = "bash"', *groups])
    error, took = refused(path)
    assert (error.line, error.col) == (9, 1)
    assert error.message == (
        f'[[agent]] "g1" brings the org to {2 * MAX_AGENTS} agents; an org may have at most '
        f"{MAX_AGENTS}"
    )
    assert took < SECOND


def test_a_long_array_is_refused_at_its_value(tmp_path: Path) -> None:
    devices = ", ".join(str(n) for n in range(MAX_ITEMS + 1))
    error, took = refused(write(tmp_path, [*BASE, "[scheduler]", f"devices = [{devices}]"]))
    assert (error.line, error.col) == (8, 11)
    assert error.message == f"this array has {MAX_ITEMS + 1:,} items; at most {MAX_ITEMS:,}"
    assert took < SECOND


def test_a_table_with_too_many_keys_is_refused_at_its_header(tmp_path: Path) -> None:
    keys = [f"V{n} = '1'" for n in range(MAX_ITEMS + 1)]
    error, took = refused(write(tmp_path, [*BASE, "[agent.env]", *keys]))
    assert (error.line, error.col) == (7, 1)
    assert error.message == f"this table has {MAX_ITEMS + 1:,} keys; at most {MAX_ITEMS:,}"
    assert took < SECOND


@pytest.mark.parametrize(
    ("line", "col", "message"),
    [
        ("cpu_slots = 100000000000", 13, "'cpu_slots' must be at most 1024, not 100000000000"),
        ('time_budget = "99999999999999999999d"', 15, "at most 365d"),
    ],
)
def test_other_numbers_that_would_hang_the_org_have_a_ceiling(
    tmp_path: Path, line: str, col: int, message: str
) -> None:
    error, _ = refused(write(tmp_path, [*BASE, "[scheduler]", line]))
    assert (error.line, error.col) == (8, col)
    assert message in error.message


def test_a_huge_size_is_refused(tmp_path: Path) -> None:
    error, _ = refused(write(tmp_path, [*BASE, f'size = "{"9" * 5000}x30"']))
    assert (error.line, error.col) == (7, 8)
    assert "too large: at most 10000x10000" in error.message


def test_a_prompt_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_text("x" * (MAX_TEXT_FILE_BYTES + 1))
    error, took = refused(write(tmp_path, [*BASE, 'prompt = "big.md"']))
    assert (error.line, error.col) == (7, 10)
    assert "prompt file is larger than 1 MiB" in error.message and took < SECOND


def test_a_large_but_valid_file_loads_within_a_second(tmp_path: Path) -> None:
    # Near the file limit: every agent with a long inline prompt.
    prompt = "p" * 2_400
    agents = [
        line
        for n in range(MAX_AGENTS)
        for line in ("[[agent]]", f'name = "a{n}"', f'prompt = "{prompt}"', "env = { X = '1' }")
    ]
    path = write(tmp_path, [*ORG, "[defaults]", 'command = "bash -l"', *agents])
    assert path.stat().st_size < MAX_FILE_BYTES
    start = time.monotonic()
    assert len(load_org(path).agents) == MAX_AGENTS
    assert time.monotonic() - start < SECOND


def test_too_many_entries_are_refused_before_they_are_parsed(tmp_path: Path) -> None:
    devices = ",".join("0" for _ in range(MAX_ENTRIES + 10))
    error, took = refused(write(tmp_path, [*BASE, "[scheduler]", f"devices = [{devices}]"]))
    # Five "=" count before the first comma: the 10,001st entry is comma number MAX_ENTRIES - 4.
    assert (error.line, error.col) == (8, 11 + 2 * (MAX_ENTRIES - 4))
    assert error.message == f"the org file has more than {MAX_ENTRIES:,} keys and array items"
    assert took < SECOND


def test_a_dotted_key_of_too_many_parts_is_refused(tmp_path: Path) -> None:
    # tomllib takes time quadratic in the parts: minutes for a file full of them.
    key = ".".join(["a"] * 100_000)
    error, took = refused(write(tmp_path, [*BASE, f"env.{key} = 1"]))
    assert (error.line, error.col) == (7, 4 + 2 * (MAX_DEPTH - 1))
    assert error.message == f"this dotted key has more than {MAX_DEPTH} parts"
    assert took < SECOND


def test_dots_in_values_do_not_count_as_parts_of_the_next_key(tmp_path: Path) -> None:
    key = ".".join(["k"] * (MAX_DEPTH - 1))
    lines = [*ORG, "[research]", "min = 1.5", f"x.{key} = 1", *AGENT]
    error, _ = refused(write(tmp_path, lines))
    assert "unknown key 'min'" in error.message  # the key itself passed the scan
