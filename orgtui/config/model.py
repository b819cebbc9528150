"""The org file's model: frozen dataclasses, one per section, with a docstring per field.

`load_org` (in `orgtui.config.load`) builds an `OrgConfig` from a TOML file; everything past it
works on these values only. Paths are absolute; durations are seconds (float); agents are
already expanded from `count`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

Role = Literal["solo", "chief", "junior"]
Kind = Literal["claude", "codex", "shell", "builtin"]
Restart = Literal["no", "on-failure", "always"]
OnPromptChange = Literal["keep", "send"]
Goal = Literal["minimize", "maximize"]
ProcessKind = Literal["send", "collect", "nudge", "baseline"]

ROLES: tuple[str, ...] = ("solo", "chief", "junior")
KINDS: tuple[str, ...] = ("claude", "codex", "shell", "builtin")
RESTARTS: tuple[str, ...] = ("no", "on-failure", "always")
PROCESS_KINDS: tuple[str, ...] = ("send", "collect", "nudge", "baseline")
NAME_PATTERN = r"[a-z0-9][a-z0-9_-]*"


def _frozen_map() -> MappingProxyType[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class OrgSection:
    """`[org]`: what the org is and where it works."""

    name: str
    """The org's name, `[a-z0-9][a-z0-9_-]*`; names its sockets, tmux session and work dir."""
    repo: Path
    """The research repository (absolute; written relative to the org file)."""
    base: str = "main"
    """Where the program branch starts when it does not exist yet."""
    program: str = ""
    """The program's branch; `program/<name>` when not given."""
    brief: str = ""
    """The program's text given to every agent (read from the file when `brief` names one)."""
    brief_file: Path | None = None
    """The file the brief was read from, if it was a file."""
    workdir: Path = Path()
    """Worktrees, logs, comms, jobs and ledger; `.orgtui/<name>` beside the org file by default."""
    init: str = ""
    """`tinychat`: when `repo` does not exist, `orgtui up` first creates it from the built-in
    research task (as `orgtui init` does); `nanochat`: from the nanochat clone at `init_from`
    (as `orgtui init --task nanochat --from PATH` does)."""
    init_from: Path | None = None
    """`init = "nanochat"`: the user's nanochat clone the repo is made from (absolute; written
    relative to the org file)."""


@dataclass(frozen=True)
class ResearchSection:
    """`[research]`: how runs of this program are made and judged."""

    train: str = ""
    """The training command; `{time}`, `{flops}` and `{seed}` are filled per job, `{python}`
    with the Python that runs orgtui (which has PyTorch when the research extra is in), and
    `{launch}` (the first word, before a module) with `python -m` for a job of one device or
    `torchrun --standalone --nproc_per_node=N -m` for one of N, the `--` after the module."""
    metric: str = "val_bpb"
    """The one metric results are judged by."""
    goal: Goal = "minimize"
    """Whether a lower (`minimize`) or higher (`maximize`) metric is better."""
    seeds: int = 5
    """How many seeds a baseline runs."""
    max_comparisons: int = 20
    """M: a reference serves at most this many comparisons, each tested at 5%/M, so the
    org's false-win rate against one reference stays at most 5%; then a fresh baseline."""
    min_delta: float = 0.0
    """The smallest gain the program cares about: `better` needs a gain beyond it."""
    verify_seeds: int = 5
    """Fresh seeds a promotion's verification runs, of the change and of the program head."""
    promote: Literal["manual", "auto"] = "manual"
    """`auto`: orgd promotes every experiment the ledger calls `better` itself."""
    path: tuple[Path, ...] = ()
    """Folders put first on every job's PATH (absolute; written relative to the org file):
    the research code's own environment (nanochat's `.venv/bin`), whose `python` then runs
    `{launch}`, for the agents' jobs and orgd's own (baselines, verifications) alike."""


@dataclass(frozen=True)
class Skill:
    """A skill an agent is given: a folder holding a `SKILL.md` and what it uses."""

    name: str
    """Its `SKILL.md` front matter's `name`, which is also its folder's name."""
    description: str
    """Its front matter's `description`: when to use it (listed in `AGENTS.md`)."""
    folder: Path
    """The folder (absolute; written relative to the org file)."""
    files: tuple[str, ...]
    """Its files, relative to the folder, sorted."""
    digest: str
    """sha256 over its files' names, modes and bytes: a change to any re-installs it."""


@dataclass(frozen=True)
class Tool:
    """A command put on one agent's PATH."""

    name: str
    """The command's name: the file's name."""
    file: Path
    """The file (absolute; written relative to the org file)."""
    digest: str
    """sha256 of its bytes: a change re-installs it."""


@dataclass(frozen=True)
class AgentSpec:
    """One `[[agent]]`, after `count` expansion and `[defaults]`."""

    name: str
    """The agent's unique name (`claude-1` .. `claude-4` when `count` > 1)."""
    command: tuple[str, ...]
    """The program to run, as argv (a string is split like a shell would; never run by one)."""
    role: Role = "solo"
    """`solo`, `chief` or `junior`."""
    kind: Kind = "shell"
    """`claude`, `codex`, `shell` or `builtin`; from the command's name when not given."""
    prompt: str = ""
    """The role prompt text (read from the file when `prompt` names one)."""
    prompt_file: Path | None = None
    """The file the prompt was read from, if it was a file."""
    env: MappingProxyType[str, str] = field(default_factory=_frozen_map)
    """Extra environment variables for the agent's pane."""
    gpus: int = 1
    """Devices (GPUs, or CPU slots without one) this agent's jobs get by default; at least 1."""
    restart: Restart = "on-failure"
    """What orgd does when the agent's process exits: `no`, `on-failure` or `always`."""
    cols: int = 80
    """The agent's terminal width at least (from `size`)."""
    rows: int = 24
    """The agent's terminal height at least (from `size`)."""
    ready: str | None = None
    """A regex on the screen's last lines meaning the agent is ready for input."""
    on_prompt_change: OnPromptChange = "keep"
    """`send`: a changed prompt is also delivered to the running agent."""
    reports_to: str | None = None
    """Another agent's name this agent reports to."""
    group: str = ""
    """The `[[agent]]` name this agent was expanded from (equal to `name` when `count` = 1)."""
    skills: tuple[Skill, ...] = ()
    """Installed where the agent's CLI reads skills (`.claude/skills/`, or `.agents/skills/`
    listed in `AGENTS.md`)."""
    tools: tuple[Tool, ...] = ()
    """Copied into the agent's own bin folder, first on its PATH."""
    setup: str | None = None
    """A shell command run once in a new worktree, before the agent's command starts."""
    copy: tuple[str, ...] = ()
    """Untracked files (or folders) copied from the repository into a new worktree, relative
    to the repository."""


@dataclass(frozen=True)
class SlurmSection:
    """`[scheduler.slurm]`: how jobs are submitted when `backend = "slurm"`."""

    partition: str = ""
    """`sbatch --partition` ('': the cluster's default partition)."""
    account: str = ""
    """`sbatch --account`, or '' for none."""
    qos: str = ""
    """`sbatch --qos`, or '' for none."""
    constraint: str = ""
    """`sbatch --constraint`, or '' for none."""
    sbatch_args: tuple[str, ...] = ()
    """More `sbatch` arguments, as given."""
    python: str = "python3"
    """The node's Python that runs orgtui's wrapper (after `setup`)."""
    setup: tuple[str, ...] = ()
    """Shell lines run in the allocation before the wrapper (module loads, a venv)."""
    requeue: bool = True
    """A preempted job goes back to Slurm's queue (and runs again from the start)."""
    max_jobs: int = 16
    """At most this many of the org's jobs in Slurm (pending or running) at once."""


@dataclass(frozen=True)
class SchedulerSection:
    """`[scheduler]`: how training jobs get devices."""

    backend: Literal["local", "slurm"] = "local"
    """Where jobs run: `local` processes, or `slurm`."""
    devices: str | tuple[str, ...] = "auto"
    """`auto` (NVML, else CPU slots), `cpu`, or a list of GPU indices or UUIDs."""
    cpu_slots: int = 1
    """CPU devices when there is no GPU (default max(1, cores // 2))."""
    mode: Literal["dedicated", "pool"] = "dedicated"
    """`dedicated`: agent i owns device i; `pool`: a shared fair queue."""
    pane_devices: Literal["none", "own"] = "none"
    """`none`: panes see no GPU, every GPU run goes through the scheduler; `own`: they see theirs."""
    time_budget: float = 300.0
    """The training budget (seconds) a job gets by default."""
    flops_budget: float | None = None
    """The FLOPs budget a job gets by default (`{flops}` in research.train), or none."""
    max_time: float = 1800.0
    """No job may ask for more than this (seconds)."""
    grace: float = 60.0
    """A job is killed at its budget plus this (seconds)."""
    notify: bool = True
    """Tell an agent when its job ends."""
    metrics: MappingProxyType[str, str] = field(default_factory=_frozen_map)
    """Extra metrics: name to a regex with one group."""
    shared_dir: Path | None = None
    """`slurm`: where job checkouts, logs and orgtui's wrapper go (the nodes must see it)."""
    slurm: SlurmSection = field(default_factory=SlurmSection)
    """`[scheduler.slurm]`."""


@dataclass(frozen=True)
class ProcessSpec:
    """One `[[process]]`: a ritual."""

    name: str
    """The ritual's unique name."""
    kind: ProcessKind
    """`send`, `collect`, `nudge` or `baseline`."""
    every: float | None = None
    """Run every this many seconds (exclusive with `at`)."""
    at: str | None = None
    """Run daily at this local time, `HH:MM` (exclusive with `every`)."""
    to: str | tuple[str, ...] = "all"
    """`all`, a role, or a list of agent names."""
    send: str = ""
    """The message, templated with {agent}, {role}, {date}, {comms}, {program}."""
    deadline: float | None = None
    """`collect`: seconds after the ritual runs to gather the files."""
    idle: float | None = None
    """`nudge`: seconds of idleness before the message goes out."""
    deliver_to: tuple[str, ...] = ()
    """`collect`: agents the digest goes to (default: the chief)."""


@dataclass(frozen=True)
class OrgConfig:
    """A whole, validated org file."""

    file: Path
    """The org file (absolute)."""
    org: OrgSection
    """`[org]`."""
    research: ResearchSection
    """`[research]`."""
    agents: tuple[AgentSpec, ...]
    """The agents, expanded, in file order."""
    scheduler: SchedulerSection
    """`[scheduler]`."""
    processes: tuple[ProcessSpec, ...]
    """The rituals, in file order."""
    source_hash: str = ""
    """sha256 of the org file's bytes and the prompt and brief files it names."""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """What is worth telling a person but does not stop the org, each `file:line:col: warning:
    message` (`orgtui validate` prints them)."""

    def agent(self, name: str) -> AgentSpec | None:
        """The agent called `name`, or None."""
        return next((a for a in self.agents if a.name == name), None)
