"""Loading valid org files: every field of the schema, count expansion, `[defaults]`, the
defaults of each section and `source_hash`."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import MappingProxyType

import pytest

from orgtui.config import (
    AgentSpec,
    ConfigError,
    OrgConfig,
    ProcessSpec,
    ResearchSection,
    load_org,
)
from orgtui.config.model import SlurmSection


def write(directory: Path, text: str, name: str = "org.toml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o644)
    return path


def load(directory: Path, text: str) -> OrgConfig:
    return load_org(write(directory, text))


MINIMAL = """
[org]
name = "t"
repo = "repo"

[[agent]]
name = "a"
command = "bash"
"""

FULL = """
[org]
name = "softcap"
repo = "../nanochat"
base = "master"
program = "research/softcap"
brief = "prompts/brief.md"
workdir = "state"

[research]
train = "python train.py --time {time} --flops {flops} --seed {seed}"
metric = "loss"
goal = "maximize"
seeds = 5

[defaults]
command = "claude --verbose"
env = { WANDB_MODE = "offline", SHARED = "1" }

[[agent]]
name = "chief"
role = "chief"
kind = "claude"
command = ["claude", "--model", "opus 4"]
prompt = "prompts/chief.md"
env = { SHARED = "2", ONLY = "chief" }
gpus = 2
restart = "always"
size = "120x40"
ready = '^> '
on_prompt_change = "send"

[[agent]]
name = "junior"
count = 2
role = "junior"
kind = "codex"
command = "codex"
prompt = '''
You are a junior.
Do the task.'''
gpus = 3
restart = "no"
reports_to = "chief"

[scheduler]
backend = "slurm"
devices = [0, "GPU-1234"]
cpu_slots = 3
mode = "pool"
pane_devices = "own"
time_budget = "90s"
max_time = "1.5h"
grace = "0s"
notify = false
shared_dir = "shared"
[scheduler.metrics]
core = 'CORE metric: ([0-9.]+)'
[scheduler.slurm]
partition = "gpu"
account = "lab"
qos = "high"
constraint = "a100"
sbatch_args = ["--exclusive"]
python = "/opt/py/bin/python3"
setup = ["module load cuda", "source venv/bin/activate"]
requeue = false
max_jobs = 4

[[process]]
name = "standup"
kind = "collect"
at = "09:30"
to = ["junior"]
send = "Standup {agent} ({role}) {date} on {program}: write {comms}/standup/{date}/{agent}.md"
deadline = "30m"
deliver_to = ["chief"]

[[process]]
name = "nudge"
kind = "nudge"
every = "10m"
idle = "20m"
to = "junior"
send = "Still there?"
"""


def test_full_file_round_trips_every_field(tmp_path: Path) -> None:
    write(tmp_path, "The brief.\n", "prompts/brief.md")
    write(tmp_path, "You lead.\n", "prompts/chief.md")
    config = load(tmp_path, FULL)

    assert config.file == tmp_path / "org.toml"
    org = config.org
    assert org.name == "softcap"
    assert org.repo == tmp_path.parent / "nanochat"
    assert org.base == "master"
    assert org.program == "research/softcap"
    assert org.brief == "The brief.\n"
    assert org.brief_file == tmp_path / "prompts/brief.md"
    assert org.workdir == tmp_path / "state"
    assert config.research == ResearchSection(
        train="python train.py --time {time} --flops {flops} --seed {seed}",
        metric="loss",
        goal="maximize",
        seeds=5,
    )

    chief, junior1, junior2 = config.agents
    assert chief == AgentSpec(
        name="chief",
        command=("claude", "--model", "opus 4"),
        role="chief",
        kind="claude",
        prompt="You lead.\n",
        prompt_file=tmp_path / "prompts/chief.md",
        env=MappingProxyType({"WANDB_MODE": "offline", "SHARED": "2", "ONLY": "chief"}),
        gpus=2,
        restart="always",
        cols=120,
        rows=40,
        ready="^> ",
        on_prompt_change="send",
        reports_to=None,
        group="chief",
    )
    assert junior1 == AgentSpec(
        name="junior-1",
        command=("codex",),
        role="junior",
        kind="codex",
        prompt="You are a junior.\nDo the task.",
        prompt_file=None,
        env=MappingProxyType({"WANDB_MODE": "offline", "SHARED": "1"}),
        gpus=3,
        restart="no",
        cols=80,
        rows=24,
        ready=None,
        on_prompt_change="keep",
        reports_to="chief",
        group="junior",
    )
    assert junior2.name == "junior-2" and junior2.group == "junior"

    scheduler = config.scheduler
    assert scheduler.backend == "slurm"
    assert scheduler.devices == ("0", "GPU-1234")
    assert scheduler.cpu_slots == 3
    assert scheduler.mode == "pool"
    assert scheduler.pane_devices == "own"
    assert (scheduler.time_budget, scheduler.max_time, scheduler.grace) == (90.0, 5400.0, 0.0)
    assert scheduler.notify is False
    assert dict(scheduler.metrics) == {"core": "CORE metric: ([0-9.]+)"}
    assert scheduler.shared_dir == config.file.parent / "shared"
    assert scheduler.slurm == SlurmSection(
        partition="gpu", account="lab", qos="high", constraint="a100",
        sbatch_args=("--exclusive",), python="/opt/py/bin/python3",
        setup=("module load cuda", "source venv/bin/activate"), requeue=False, max_jobs=4,
    )  # fmt: skip

    assert config.processes == (
        ProcessSpec(
            name="standup",
            kind="collect",
            every=None,
            at="09:30",
            to=("junior-1", "junior-2"),
            send="Standup {agent} ({role}) {date} on {program}: write {comms}/standup/{date}/{agent}.md",
            deadline=1800.0,
            idle=None,
            deliver_to=("chief",),
        ),
        ProcessSpec(
            name="nudge", kind="nudge", every=600.0, to="junior", send="Still there?", idle=1200.0
        ),
    )
    assert config.agent("junior-2") is junior2
    assert config.agent("junior") is None


def test_minimal_file_gets_every_default(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL)
    assert config.org.base == "main"
    assert config.org.program == "program/t"
    assert config.org.brief == "" and config.org.brief_file is None
    assert config.org.workdir == tmp_path / ".orgtui" / "t"
    assert config.research == ResearchSection()
    assert config.agents == (AgentSpec(name="a", command=("bash",), group="a"),)
    scheduler = config.scheduler
    assert scheduler.devices == "auto"
    assert scheduler.cpu_slots == max(1, (os.cpu_count() or 1) // 2)
    assert (scheduler.time_budget, scheduler.max_time, scheduler.grace) == (300.0, 1800.0, 60.0)
    assert scheduler.notify is True and dict(scheduler.metrics) == {}
    assert config.processes == ()


def test_count_expands_names_in_file_order(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        MINIMAL
        + '[[agent]]\nname = "claude"\ncount = 3\ncommand = "claude"\n'
        + '[[agent]]\nname = "solo"\ncount = 1\ncommand = "codex"\n',
    )
    assert [(a.name, a.group) for a in config.agents] == [
        ("a", "a"),
        ("claude-1", "claude"),
        ("claude-2", "claude"),
        ("claude-3", "claude"),
        ("solo", "solo"),
    ]


def test_defaults_are_inherited_and_overridden(tmp_path: Path) -> None:
    write(tmp_path, "Be careful.", "solo.md")
    config = load(
        tmp_path,
        """
[org]
name = "t"
repo = "r"

[defaults]
command = "codex --full-auto"
prompt = "solo.md"
gpus = 3
size = "100x30"
env = { A = "1" }

[[agent]]
name = "x"

[[agent]]
name = "y"
command = "claude"
gpus = 2
env.B = "2"
""",
    )
    x, y = config.agents
    assert x.command == ("codex", "--full-auto") and x.kind == "codex"
    assert y.command == ("claude",) and y.kind == "claude"
    assert x.prompt == y.prompt == "Be careful."
    assert (x.gpus, y.gpus) == (3, 2)
    assert (x.cols, x.rows) == (y.cols, y.rows) == (100, 30)
    assert dict(x.env) == {"A": "1"} and dict(y.env) == {"A": "1", "B": "2"}


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ('"claude"', "claude"),
        ('"/usr/local/bin/codex --yolo"', "codex"),
        ('"orgtui agent"', "builtin"),
        ('["orgtui", "agent", "--fast"]', "builtin"),
        ('"orgtui status"', "shell"),
        ('"bash -l"', "shell"),
        ('"claude-wrapper"', "shell"),
    ],
)
def test_kind_defaults_from_the_commands_name(tmp_path: Path, command: str, kind: str) -> None:
    config = load(
        tmp_path, f'[org]\nname = "t"\nrepo = "r"\n[[agent]]\nname = "a"\ncommand = {command}\n'
    )
    assert config.agents[0].kind == kind


def test_command_string_is_split_like_a_shell_and_a_list_kept(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        '[org]\nname = "t"\nrepo = "r"\n'
        '[[agent]]\nname = "a"\ncommand = "bash -c \'echo $HOME; ls\' x"\n'
        '[[agent]]\nname = "b"\ncommand = ["bash", "-c", "echo a b", ""]\n',
    )
    assert config.agents[0].command == ("bash", "-c", "echo $HOME; ls", "x")
    assert config.agents[1].command == ("bash", "-c", "echo a b", "")


def test_paths_resolve_against_the_org_files_directory(tmp_path: Path) -> None:
    path = write(
        tmp_path / "orgs",
        '[org]\nname = "t"\nrepo = ".."\nworkdir = "/var/tmp/work"\n'
        '[[agent]]\nname = "a"\ncommand = "bash"\nprompt = "../p/a.txt"\n',
    )
    write(tmp_path, "hi", "p/a.txt")
    config = load_org(os.path.relpath(path))
    assert config.file == path
    assert config.org.repo == tmp_path
    assert config.org.workdir == Path("/var/tmp/work")
    assert config.agents[0].prompt_file == tmp_path / "p" / "a.txt"


def test_to_accepts_roles_agents_and_groups(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        MINIMAL
        + '[[agent]]\nname = "j"\ncount = 2\nrole = "junior"\ncommand = "codex"\n'
        + '[[process]]\nname = "p1"\nkind = "send"\nevery = "1h"\nto = "junior"\nsend = "x"\n'
        + '[[process]]\nname = "p2"\nkind = "send"\nevery = "1h"\nto = "j"\nsend = "x"\n'
        + '[[process]]\nname = "p3"\nkind = "send"\nevery = "1h"\nto = ["j-2", "a", "j"]\nsend = "x"\n'
        + '[[process]]\nname = "p4"\nkind = "baseline"\nat = "00:00"\n',
    )
    assert [p.to for p in config.processes] == [
        "junior",
        ("j-1", "j-2"),
        ("j-2", "a", "j-1"),
        "all",
    ]


def test_source_hash_covers_the_org_file_and_the_files_it_reads(tmp_path: Path) -> None:
    text = MINIMAL.replace('command = "bash"', 'command = "bash"\nprompt = "p.md"')
    prompt = write(tmp_path, "one", "p.md")
    first = load(tmp_path, text).source_hash
    assert first == load(tmp_path, text).source_hash
    assert len(first) == 64 and int(first, 16) >= 0
    prompt.write_text("two")
    second = load(tmp_path, text).source_hash
    assert second != first
    assert load(tmp_path, text + "\n").source_hash != second
    org_bytes = (tmp_path / "org.toml").read_bytes()
    expected = hashlib.sha256(org_bytes + (3).to_bytes(8, "big") + b"two").hexdigest()
    assert load_org(tmp_path / "org.toml").source_hash == expected


def test_an_inline_prompt_is_not_read_or_hashed(tmp_path: Path) -> None:
    text = MINIMAL.replace('command = "bash"', 'command = "bash"\nprompt = "Be careful."')
    config = load(tmp_path, text)
    assert config.agents[0].prompt == "Be careful."
    assert config.agents[0].prompt_file is None
    org_bytes = (tmp_path / "org.toml").read_bytes()
    assert config.source_hash == hashlib.sha256(org_bytes).hexdigest()


def test_the_repo_need_not_exist(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL.replace('"repo"', '"no/such/repo"'))
    assert not config.org.repo.exists()


def test_config_error_reads_file_line_col_message(tmp_path: Path) -> None:
    error = ConfigError(tmp_path / "o.toml", 3, 7, "bad")
    assert str(error) == f"{tmp_path / 'o.toml'}:3:7: bad"
