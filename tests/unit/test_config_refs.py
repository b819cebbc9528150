"""Branch names in the org file (`program`, `base`) are checked with git's own rules
(`git check-ref-format --branch`) and against the names git reads in its own way, at the
name's file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org

AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']


def write(directory: Path, key: str, value: str) -> Path:
    path = directory / "org.toml"
    lines = ["[org]", 'name = "t"', 'repo = "r"', f'{key} = "{value}"', *AGENT]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    return path


def refusal(tmp_path: Path, key: str, value: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_org(write(tmp_path, key, value))
    error = caught.value
    assert (error.line, error.col) == (4, len(key) + 4), str(error)
    assert error.message.startswith(f"'{key}' is not a branch name orgtui can use: "), str(error)
    return error


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("HEAD", '"HEAD" is git\'s own name'),
        ("ORIG_HEAD", '"ORIG_HEAD" is git\'s own name'),
        ("FETCH_HEAD", "git's own name"),
        ("@", '"@" is git\'s short name for HEAD'),
        ("refs/heads/x", 'a full ref name: write the short name "x"'),
        ("refs/tags/v1", "a full ref name"),
        ("tags/v1", 'git reads "tags/v1" as refs/tags/v1'),
        ("heads/x", 'git reads "heads/x" as refs/heads/x'),
        ("remotes/origin/x", "as refs/remotes/origin/x"),
        ("-x", 'starts with "-"'),
        ("a.lock/b", "git check-ref-format refuses it"),
        ("a..b", "git check-ref-format refuses it"),
        ("has space", "git check-ref-format refuses it"),
        ("x@{1}", "git check-ref-format refuses it"),
        ("x/", "git check-ref-format refuses it"),
        ("a\\\\b", "git check-ref-format refuses it"),
        ("a\\u0001b", "git check-ref-format refuses it"),
    ],
)
def test_program_names_git_refuses_or_misreads_are_refused(
    tmp_path: Path, name: str, fragment: str
) -> None:
    error = refusal(tmp_path, "program", name)
    assert fragment in error.message, str(error)


@pytest.mark.parametrize("name", ["program/x", "x/HEAD", "a./b", "é/ü", "feature-1.2", "refs"])
def test_program_names_git_takes_as_they_are(tmp_path: Path, name: str) -> None:
    assert load_org(write(tmp_path, "program", name)).org.program == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("HEAD", "git's own name"),
        ("@", "short name for HEAD"),
        ("-x", 'starts with "-"'),
        ("a.lock/b", "git check-ref-format refuses it"),
        ("main~1", "git check-ref-format refuses it"),
    ],
)
def test_base_names_that_are_not_branches_are_refused(
    tmp_path: Path, name: str, fragment: str
) -> None:
    error = refusal(tmp_path, "base", name)
    assert fragment in error.message, str(error)


@pytest.mark.parametrize("name", ["master", "origin/main", "v1.0", "refs/heads/main", "tags/v1"])
def test_a_base_may_be_any_existing_branch_tag_or_full_ref(tmp_path: Path, name: str) -> None:
    # A base is only read (the program branch starts there), so a full ref name is unambiguous.
    assert load_org(write(tmp_path, "base", name)).org.base == name
