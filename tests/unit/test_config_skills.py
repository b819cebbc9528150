"""Org code beyond prompts in the org file: `skills`, `tools`, `setup` and `copy` on an agent,
its role (`[roles.<role>]`) or `[defaults]`, read agent > role > defaults; and every mistake
in them refused at its `file:line:col`."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org
from orgtui.config.skills import front_matter

ORG = ["[org]", 'name = "t"', 'repo = "r"']  # lines 1-3
AGENT = ["[[agent]]", 'name = "a"', 'command = "bash"']  # lines 4-6 after ORG


def skill(folder: Path, name: str, description: str = "Use it when testing.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: {description}\n---\nBody\n")
    return folder


@pytest.fixture
def org_dir(tmp_path: Path) -> Path:
    skill(tmp_path / "skills" / "submit", "submit")
    skill(tmp_path / "skills" / "promote", "promote", "'Quoted: with a colon.'")
    skill(tmp_path / "skills" / "wrong", "right")
    skill(tmp_path / "skills" / "bare", "bare", "")
    (tmp_path / "skills" / "empty").mkdir()
    (tmp_path / "tools").mkdir()
    for name in ("compare.sh", "plot.py"):
        (tmp_path / "tools" / name).write_text("#!/bin/sh\necho hi\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "compare.sh").write_text("#!/bin/sh\n")
    (tmp_path / "other" / "orgtui").write_text("#!/bin/sh\n")
    return tmp_path


def write(directory: Path, lines: list[str]) -> Path:
    path = directory / "org.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    return path


def test_agent_then_role_then_defaults(org_dir: Path) -> None:
    org = write(org_dir, [
        *ORG,
        "[defaults]", 'command = "bash"', 'skills = ["skills/submit"]', 'setup = "make"',
        'env = { A = "defaults", B = "defaults", C = "defaults" }',
        "[roles.junior]", 'tools = ["tools/compare.sh"]', 'copy = [".env", "./data/x/"]',
        'env = { B = "junior", C = "junior" }', 'prompt = "You are a junior."',
        "[[agent]]", 'name = "jo"', 'role = "junior"', 'env = { C = "jo" }',
        "[[agent]]", 'name = "jim"', 'role = "junior"', 'setup = "uv sync"',
        'skills = ["skills/submit", "skills/promote"]', "tools = []",
        "[[agent]]", 'name = "solo"',
    ])  # fmt: skip
    jo, jim, solo = load_org(org).agents
    assert [s.name for s in jo.skills] == ["submit"]
    assert jo.skills[0].folder == org_dir / "skills" / "submit"
    assert jo.skills[0].description == "Use it when testing."
    assert [(t.name, t.file) for t in jo.tools] == [("compare.sh", org_dir / "tools/compare.sh")]
    assert jo.setup == "make" and jo.copy == (".env", "data/x")
    assert dict(jo.env) == {"A": "defaults", "B": "junior", "C": "jo"}
    assert jo.prompt == "You are a junior."
    assert [s.name for s in jim.skills] == ["submit", "promote"]
    assert jim.skills[1].description == "Quoted: with a colon."
    assert jim.tools == () and jim.setup == "uv sync"
    assert solo.role == "solo" and solo.tools == () and solo.copy == ()
    assert dict(solo.env) == {"A": "defaults", "B": "defaults", "C": "defaults"}


def test_a_skill_file_edit_changes_the_version(org_dir: Path) -> None:
    org = write(org_dir, [*ORG, *AGENT, 'skills = ["skills/submit"]', 'tools = ["tools/plot.py"]'])
    first = load_org(org)
    (org_dir / "skills" / "submit" / "helper.py").write_text("print(1)\n")
    for leftover in (".SKILL.md.swp", "SKILL.md~", "#SKILL.md#"):  # an editor's, never the skill's
        (org_dir / "skills" / "submit" / leftover).write_text("x")
    second = load_org(org)
    assert second.source_hash != first.source_hash
    assert second.agents[0].skills[0].files == ("SKILL.md", "helper.py")
    assert second.agents[0].skills[0].digest != first.agents[0].skills[0].digest
    (org_dir / "tools" / "plot.py").write_text("#!/bin/sh\necho changed\n")
    third = load_org(org)
    assert third.source_hash != second.source_hash
    assert third.agents[0].tools[0].digest != second.agents[0].tools[0].digest


CASES = [
    pytest.param(["[roles.junoir]", "gpus = 2"], 7, 1,
                 "unknown role 'junoir' in [roles]; did you mean 'junior'?", id="role-unknown"),
    pytest.param(["[roles.chief]", 'role = "junior"'], 8, 1,
                 "'role' cannot be set in [roles.chief]", id="role-sets-role"),
    pytest.param(["[roles.chief]", "skils = []"], 8, 1,
                 "unknown key 'skils' in [roles.chief]; did you mean 'skills'?", id="role-key"),
    pytest.param(["[roles.chief]", 'restart = "sometimes"'], 8, 11,
                 "'restart' must be", id="role-bad-value-points-at-the-role"),
    pytest.param(['skills = "skills/submit"'], 7, 10,
                 "'skills' must be a list of strings", id="skills-not-a-list"),
    pytest.param(['skills = ["skills/submit", 3]'], 7, 28,
                 "each item of 'skills' must be a path", id="skills-item-type"),
    pytest.param(['skills = ["skills/submit", "skills/nope"]'], 7, 28,
                 "skill folder not found", id="skill-missing"),
    pytest.param(['skills = ["skills/empty"]'], 7, 11,
                 "has no SKILL.md", id="skill-without-skill-md"),
    pytest.param(['skills = ["skills/wrong"]'], 7, 11,
                 'its name is "right"; a skill\'s name is its folder\'s: name: wrong',
                 id="skill-name-is-not-the-folder"),
    pytest.param(['skills = ["skills/bare"]'], 7, 11, "has no description", id="skill-bare"),
    pytest.param(['skills = ["skills/submit", "skills/../skills/submit"]'], 7, 28,
                 'skill "submit" is listed twice', id="skill-twice"),
    pytest.param(['tools = ["tools/compare.sh", "tools/nope.sh"]'], 7, 30,
                 "tool not found", id="tool-missing"),
    pytest.param(['tools = ["tools"]'], 7, 10, "tool is not a file", id="tool-folder"),
    pytest.param(['tools = ["tools/compare.sh", "other/compare.sh"]'], 7, 30,
                 'two tools are called "compare.sh"', id="tool-twice"),
    pytest.param(['tools = ["other/orgtui"]'], 7, 10, "a tool cannot be called orgtui",
                 id="tool-orgtui"),
    pytest.param(['copy = [".env", "../secrets"]'], 7, 17,
                 '"../secrets" is not a path inside the repository', id="copy-outside"),
    pytest.param(['copy = ["/etc/passwd"]'], 7, 9, "not absolute", id="copy-absolute"),
    pytest.param(['copy = [".git/config"]'], 7, 9, "not a path inside", id="copy-git"),
    pytest.param(['setup = "  "'], 7, 9, "'setup' is empty", id="setup-empty"),
    pytest.param(["setup = 3"], 7, 9, "'setup' must be a string", id="setup-type"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "line", "col", "fragment"), CASES)
def test_errors_name_the_place(
    org_dir: Path, extra: list[str], line: int, col: int, fragment: str
) -> None:
    org = write(org_dir, [*ORG, *AGENT, *extra])
    with pytest.raises(ConfigError) as caught:
        load_org(org)
    error = caught.value
    assert fragment in error.message
    assert (error.file, error.line, error.col) == (org, line, col), str(error)


def test_an_inherited_skill_error_points_at_defaults(org_dir: Path) -> None:
    org = write(org_dir, [*ORG, "[defaults]", 'skills = ["skills/nope"]', *AGENT])
    with pytest.raises(ConfigError) as caught:
        load_org(org)
    assert (caught.value.line, caught.value.col) == (5, 11)


def test_front_matter() -> None:
    text = "---\nname: x\ndescription: >\n  folded\n  text\nother: 'it''s'\n---\nbody\n"
    assert front_matter(text) == {"name": "x", "description": "folded text", "other": "it's"}
    assert front_matter("---\nname: x\ndescription: a plain\n  continued line\n---\n") == {
        "name": "x",
        "description": "a plain continued line",
    }
    assert front_matter("no front matter\n") is None
    assert front_matter("---\nname: x\n") is None  # never closed


def test_eval_copy_finds_the_skills_and_tools(org_dir: Path, tmp_path_factory) -> None:
    """`orgtui eval`'s copy of the org file lives elsewhere: its skills, tools and role
    prompts are the same files."""
    from orgtui.report.orgcopy import org_copy

    (org_dir / "junior.md").write_text("You are a junior.\n")
    org = write(org_dir, [
        *ORG, "[defaults]", 'skills = ["skills/submit"]',
        "[roles.junior]", 'tools = ["tools/compare.sh"]', 'prompt = "junior.md"',
        *AGENT, 'role = "junior"',
    ])  # fmt: skip
    cfg = load_org(org)
    elsewhere = tmp_path_factory.mktemp("eval")
    copy = elsewhere / "copy.toml"
    copy.write_text(org_copy(cfg, "t-1", elsewhere / "repo", elsewhere / "work"))
    copy.chmod(0o644)
    (agent,) = load_org(copy).agents
    assert agent.skills == cfg.agents[0].skills and agent.tools == cfg.agents[0].tools
    assert agent.prompt_file == org_dir / "junior.md"
