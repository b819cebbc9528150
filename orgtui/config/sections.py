"""Readers for the org file's single tables: `[org]`, `[research]` and `[scheduler]`.

Each `read_*` takes the section's `Table` (or None when the file has no such table) and returns
the model's frozen dataclass, raising `ConfigError` at the first problem.
"""

from __future__ import annotations

import os
import re
import shlex
import string
from collections.abc import Collection
from pathlib import Path
from types import MappingProxyType
from typing import Literal, cast

from orgtui.config.durations import format_duration
from orgtui.config.limits import (
    MAX_COMPARISONS,
    MAX_DEVICES,
    MAX_FLOPS,
    MAX_SEEDS,
    MIN_COMPARISONS,
    MIN_VERIFY_SEEDS,
)
from orgtui.config.model import (
    Goal,
    OrgSection,
    ResearchSection,
    SchedulerSection,
)
from orgtui.config.patterns import metric_pattern
from orgtui.config.refs import branch_problem
from orgtui.config.slurm import read_slurm
from orgtui.config.tables import Context, Table, describe
from orgtui.config.texts import read_text, resolve_path

ORG_KEYS = ("name", "repo", "base", "program", "brief", "workdir", "init", "init_from")
RESEARCH_KEYS = ("train", "metric", "goal", "seeds", "max_comparisons", "min_delta",
                 "verify_seeds", "promote", "path")  # fmt: skip
SCHEDULER_KEYS = (
    "backend",
    "devices",
    "cpu_slots",
    "mode",
    "pane_devices",
    "time_budget",
    "flops_budget",
    "max_time",
    "grace",
    "notify",
    "metrics",
    "shared_dir",
    "slurm",
)
TRAIN_FIELDS = ("time", "flops", "seed", "python", "launch")
"""The placeholders `[research] train` may use."""
INIT_TASKS = ("tinychat", "nanochat")
"""What `[org] init` may make the research repo from."""
NANOCHAT_BRANCH = "orgtui/nanochat"
"""The branch `orgtui init --task nanochat` leaves a repo on: the default `base` of an org
with `init = "nanochat"`."""

Backend = Literal["local", "slurm"]
Mode = Literal["dedicated", "pool"]
PaneDevices = Literal["none", "own"]

_METRIC_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def empty_table(context: Context, path: str, label: str) -> Table:
    """A stand-in for a table the file leaves out: every key takes its default."""
    return Table(context, {}, (path,), label)


def check_template(table: Table, key: str, value: str, fields: Collection[str]) -> None:
    """Refuse a `str.format` template at `key` that is malformed or uses other placeholders."""
    allowed = ", ".join("{" + name + "}" for name in fields)
    hint = "write {{ and }} for literal braces"
    try:
        names = [parsed[1] for parsed in string.Formatter().parse(value) if parsed[1] is not None]
    except ValueError as error:
        table.fail(key, f"'{key}' is not a valid template ({error}); {hint}")
    for name in names:
        if re.split(r"[.\[!:]", name, maxsplit=1)[0] not in fields:
            table.fail(key, f"unknown placeholder {{{name}}} in '{key}': use {allowed}; {hint}")


def check_launch(table: Table, train: str) -> None:
    """Refuse a `train` whose `{launch}` cannot expand (it must be the first word, before the
    module, and puts the `--` itself), and the `--` that `python -m MODULE` hands to the
    script's argparse (only torchrun consumes it)."""
    try:
        words = shlex.split(train)
    except ValueError as error:
        table.fail("train", f"'train' cannot be split into words as a shell would: {error}")
    use = 'write train = "{launch} MODULE ARGS" (e.g. "{launch} scripts.base_train --depth=12")'
    if "{launch}" in train:
        if not words or words[0] != "{launch}" or train.count("{launch}") != 1:
            table.fail("train", f"{{launch}} must be the first word of 'train', once: {use}")
        if len(words) < 2 or words[1].startswith("-") or "{" in words[1]:
            table.fail("train", f"{{launch}} must be followed by the module to run: {use}")
        if len(words) > 2 and words[2] == "--":
            table.fail("train", "drop the `--` after the module: {launch} puts it where it "
                                "belongs (after the module under torchrun, none under python)")  # fmt: skip
        return
    for k, word in enumerate(words[:-3]):
        python = word == "{python}" or Path(word).name.startswith("python")
        if python and words[k + 1] == "-m" and words[k + 3] == "--":
            table.fail("train", f"`{' '.join(words[k:k + 4])}`: python hands the `--` to the "
                                "script, whose argparse refuses it (only torchrun consumes it): "
                                f"drop it, or {use}")  # fmt: skip
            break


def _path(table: Table) -> tuple[Path, ...]:
    """`path`: a folder or a list of folders, relative to the org file."""
    if not table.has("path"):
        return ()
    value = table.raw("path")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        table.fail("path", f"'path' must be a folder or a list of folders, not {describe(value)}")
    return tuple(resolve_path(table.context.directory, str(i)) for i in items)


def check_branch(table: Table, key: str, value: str, *, full_refs: bool) -> None:
    """Refuse a branch name git would refuse or read as something else (see `refs`)."""
    problem = branch_problem(value, full_refs=full_refs)
    if problem is not None:
        table.fail(key, f"'{key}' is not a branch name orgtui can use: {problem}")


def read_org(context: Context, table: Table | None) -> OrgSection:
    """`[org]`, which must be there with `name` and `repo`."""
    if table is None:
        context.fail((), "missing required table [org] (with name and repo)", at="table")
    table.check_keys(ORG_KEYS)
    name = table.name("name", "org name")
    repo = table.required_string("repo")
    init = table.choice("init", INIT_TASKS, "")
    init_from = _init_from(table, init)
    base = table.string("base", NANOCHAT_BRANCH if init == "nanochat" else "main")
    # A base is only read: a tag, a remote-tracking branch or a full ref name will do.
    check_branch(table, "base", base, full_refs=True)
    program = table.string("program", f"program/{name}")
    check_branch(table, "program", program, full_refs=False)
    brief, brief_file = read_text(table, "brief")
    workdir = table.string("workdir", f".orgtui/{name}")
    if not workdir:
        table.fail("workdir", "'workdir' must not be empty")
    return OrgSection(
        name=name,
        repo=resolve_path(context.directory, repo),
        base=base,
        program=program,
        brief=brief,
        brief_file=brief_file,
        workdir=resolve_path(context.directory, workdir),
        init=init,
        init_from=init_from,
    )


def _init_from(table: Table, init: str) -> Path | None:
    """`init_from`: the nanochat clone an `init = "nanochat"` org's repo is made from."""
    if init == "nanochat" and not table.has("init_from"):
        table.fail("init", 'init = "nanochat" needs init_from: the path of your nanochat clone '
                           "(relative to this file), which the research repo is made from")  # fmt: skip
    if not table.has("init_from"):
        return None
    value = table.required_string("init_from")
    if init != "nanochat":
        table.fail("init_from", 'init_from is the nanochat clone of init = "nanochat"; this org '
                                f"has {f'init = {init!r}' if init else 'no init'}")  # fmt: skip
    return resolve_path(table.context.directory, value)


def read_research(table: Table) -> ResearchSection:
    """`[research]`; every key has a default."""
    table.check_keys(RESEARCH_KEYS)
    train = table.string("train", "")
    check_template(table, "train", train, TRAIN_FIELDS)
    check_launch(table, train)
    metric = table.string("metric", "val_bpb")
    if not metric:
        table.fail("metric", "'metric' must not be empty")
    return ResearchSection(
        train=train,
        metric=metric,
        goal=cast(Goal, table.choice("goal", ("minimize", "maximize"), "minimize")),
        seeds=table.integer("seeds", 5, minimum=1, maximum=MAX_SEEDS),
        max_comparisons=_comparisons(table),
        min_delta=table.number("min_delta", 0.0, minimum=0.0, maximum=1e30) or 0.0,
        verify_seeds=table.integer("verify_seeds", 5, minimum=MIN_VERIFY_SEEDS, maximum=MAX_SEEDS),
        promote=cast(
            Literal["manual", "auto"], table.choice("promote", ("manual", "auto"), "manual")
        ),  # fmt: skip
        path=_path(table),
    )


def _comparisons(table: Table) -> int:
    if table.has("max_comparisons"):
        value = table.raw("max_comparisons")
        if isinstance(value, int) and not isinstance(value, bool) and value < MIN_COMPARISONS:
            table.fail(
                "max_comparisons",
                f"'max_comparisons' must be at least {MIN_COMPARISONS}, not {value}: each "
                f"comparison is tested at 5%/max_comparisons, and at {value} a change that does "
                "nothing would be called better more than 1% of the time",
            )
    return table.integer("max_comparisons", 20, minimum=MIN_COMPARISONS, maximum=MAX_COMPARISONS)


def read_scheduler(table: Table) -> SchedulerSection:
    """`[scheduler]` and `[scheduler.metrics]`; every key has a default."""
    table.check_keys(SCHEDULER_KEYS)
    time_budget = table.duration("time_budget", 300.0)
    max_time = table.duration("max_time", 1800.0)
    if max_time < time_budget:
        key = "max_time" if table.has("max_time") else "time_budget"
        table.fail(
            key,
            f"max_time ({format_duration(max_time)}) is shorter than time_budget "
            f"({format_duration(time_budget)})",
        )
    backend = cast(Backend, table.choice("backend", ("local", "slurm"), "local"))
    shared_dir, slurm = read_slurm(table, backend)
    return SchedulerSection(
        backend=backend,
        devices=_devices(table),
        cpu_slots=table.integer(
            "cpu_slots", max(1, (os.cpu_count() or 1) // 2), minimum=1, maximum=MAX_DEVICES
        ),
        mode=cast(Mode, table.choice("mode", ("dedicated", "pool"), "dedicated")),
        pane_devices=cast(PaneDevices, table.choice("pane_devices", ("none", "own"), "none")),
        time_budget=time_budget,
        flops_budget=table.number(
            "flops_budget", None, minimum=0.0, maximum=MAX_FLOPS, above=True
        ),  # fmt: skip
        max_time=max_time,
        grace=table.duration("grace", 60.0, allow_zero=True),
        notify=table.boolean("notify", True),
        metrics=_metrics(table),
        shared_dir=shared_dir,
        slurm=slurm,
    )


def _devices(table: Table) -> str | tuple[str, ...]:
    if not table.has("devices"):
        return "auto"
    value = table.raw("devices")
    expected = '"auto", "cpu" or a list of GPU indices or UUIDs'
    if isinstance(value, str):
        if value not in ("auto", "cpu"):
            table.fail("devices", f"'devices' must be {expected}, not \"{value}\"")
        return value
    if not isinstance(value, list):
        table.fail("devices", f"'devices' must be {expected}, not {describe(value)}")
    if not value:
        table.fail("devices", "'devices' lists no device")
    devices: list[str] = []
    for index, item in enumerate(value):
        path = (*table.path_of("devices"), index)
        if isinstance(item, bool) or not isinstance(item, int | str):
            table.context.fail(
                path, f"a device must be a GPU index or UUID string, not {describe(item)}"
            )
        if isinstance(item, int) and item < 0:
            table.context.fail(path, f"a GPU index must be at least 0, not {item}")
        if isinstance(item, str) and not item.strip():
            table.context.fail(path, "a device must not be an empty string")
        if str(item) in devices:
            table.context.fail(path, f"device {item!r} is listed twice")
        devices.append(str(item))
    return tuple(devices)


def _metrics(table: Table) -> MappingProxyType[str, str]:
    metrics = table.subtable("metrics", "[scheduler.metrics]")
    if metrics is None:
        return MappingProxyType({})
    found: dict[str, str] = {}
    for name in metrics.data:
        if not _METRIC_NAME.fullmatch(name):
            metrics.fail(
                name,
                f'metric name "{name}" must be lowercase letters, digits and "_", not starting '
                "with a digit",
                at="key",
            )
        pattern = metrics.string(name, "")
        try:
            groups = metric_pattern(pattern).groups
        except ValueError as error:
            metrics.fail(name, f"metric '{name}' is not a pattern RE2 can run: {error}")
        if groups != 1:
            metrics.fail(
                name, f"metric '{name}' regex must have exactly one group (...), it has {groups}"
            )
        found[name] = pattern
    return MappingProxyType(found)
