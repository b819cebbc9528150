"""The example org files under orgs/ validate and describe the orgs they are named for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orgtui.config import OrgConfig, load_org

REPO_ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = sorted((REPO_ROOT / "orgs").glob("*.toml"))


def test_the_examples_are_there() -> None:
    assert {"demo.toml", "demo-chief.toml", "demo-naive.toml", "shells.toml", "solo8.toml",
            "chief.toml"} <= {path.name for path in EXAMPLES}  # fmt: skip


def load_example(tmp_path: Path, name: str) -> OrgConfig:
    # A copy, so the check does not depend on the checkout's umask; the content is what is tested.
    shutil.copytree(
        REPO_ROOT / "orgs", tmp_path / "orgs", ignore=shutil.ignore_patterns(".demo", ".orgtui")
    )
    copy = tmp_path / "orgs" / name
    copy.chmod(0o644)
    return load_org(copy)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_org_validates(tmp_path: Path, example: Path) -> None:
    config = load_example(tmp_path, example.name)
    assert config.org.name == example.stem
    assert config.agents


def test_solo8_is_four_claude_and_four_codex_solo_researchers(tmp_path: Path) -> None:
    config = load_example(tmp_path, "solo8.toml")
    assert [a.name for a in config.agents] == [f"claude-{i}" for i in range(1, 5)] + [
        f"codex-{i}" for i in range(1, 5)
    ]
    assert {a.kind for a in config.agents[:4]} == {"claude"}
    assert {a.kind for a in config.agents[4:]} == {"codex"}
    assert {a.role for a in config.agents} == {"solo"}
    _nanochat_as_shipped(tmp_path, config)


def _nanochat_as_shipped(tmp_path: Path, config: OrgConfig) -> None:
    """Made from the user's nanochat clone beside the checkout, base_train as upstream takes
    it (no `--` after `python -m`, no --seed: ORGTUI_SEED), at the org's FLOPs budget, by
    nanochat's own python."""
    assert config.org.init == "nanochat" and config.org.base == "orgtui/nanochat"
    assert config.org.init_from == tmp_path.parent / "nanochat"
    train = config.research.train
    assert train.startswith("{launch} scripts.base_train ") and "--target-flops={flops}" in train
    assert " -- " not in train and "seed" not in train and "{python}" not in train
    assert config.research.path == (tmp_path.parent / "nanochat" / ".venv" / "bin",)
    assert config.scheduler.flops_budget == 1e17


def test_chief_has_juniors_reporting_to_the_chief(tmp_path: Path) -> None:
    config = load_example(tmp_path, "chief.toml")
    chief, *juniors = config.agents
    assert (chief.name, chief.role, chief.kind) == ("chief", "chief", "claude")
    assert [j.name for j in juniors] == [f"junior-{i}" for i in range(1, 5)]
    assert {(j.role, j.kind, j.reports_to) for j in juniors} == {("junior", "codex", "chief")}
    _nanochat_as_shipped(tmp_path, config)


def test_shells_runs_three_shells_on_the_checkout_it_sits_in(tmp_path: Path) -> None:
    config = load_example(tmp_path, "shells.toml")
    assert config.org.repo == tmp_path
    assert config.org.base == "main"
    assert len(config.agents) == 3
    assert {(a.command, a.kind, a.restart, a.cols, a.rows) for a in config.agents} == {
        (("bash",), "shell", "on-failure", 100, 30)
    }
    (standup,) = config.processes
    assert (standup.kind, standup.every) == ("send", 86400.0)


def test_demo_is_four_builtin_researchers_on_two_cpu_slots_with_rituals(tmp_path: Path) -> None:
    config = load_example(tmp_path, "demo.toml")
    assert [a.kind for a in config.agents] == ["builtin"] * 4
    starts = [a.command[a.command.index("--start") + 1] for a in config.agents]
    assert len(set(starts)) == 4  # each from a different part of the search space
    assert config.org.init == "tinychat" and config.scheduler.cpu_slots == 2
    assert {p.kind for p in config.processes} == {"baseline", "collect"}
    assert config.research.seeds == 5 and "--flops {flops}" in config.research.train
    assert config.scheduler.flops_budget == 5e11


def _same_task_as_the_demo(config: OrgConfig) -> None:
    assert config.org.init == "tinychat" and config.scheduler.cpu_slots == 2
    assert config.scheduler.mode == "pool" and config.scheduler.flops_budget == 5e11
    assert config.research.seeds == 5 and "--flops {flops}" in config.research.train
    assert "baseline" in {p.kind for p in config.processes}


def test_demo_chief_is_a_builtin_chief_and_three_builtin_juniors(tmp_path: Path) -> None:
    config = load_example(tmp_path, "demo-chief.toml")
    _same_task_as_the_demo(config)
    chief, *juniors = config.agents
    assert (chief.name, chief.role, chief.kind) == ("chief", "chief", "builtin")
    assert chief.command == ("orgtui", "agent", "--role", "chief")
    assert [j.name for j in juniors] == [f"junior-{i}" for i in range(1, 4)]
    assert {(j.role, j.kind, j.reports_to) for j in juniors} == {("junior", "builtin", "chief")}
    assert config.org.repo != load_example(tmp_path / "demo", "demo.toml").org.repo


def test_demo_naive_is_four_naive_builtin_researchers(tmp_path: Path) -> None:
    config = load_example(tmp_path, "demo-naive.toml")
    _same_task_as_the_demo(config)
    assert [a.kind for a in config.agents] == ["builtin"] * 4
    assert all("--naive" in a.command for a in config.agents)
    starts = [a.command[a.command.index("--start") + 1] for a in config.agents]
    assert len(set(starts)) == 4
    assert config.research.promote == "auto"  # orgd, never the naive researchers, promotes
