"""Readers for `[defaults]` and `[[agent]]`: count expansion, inheritance, name checks.

`read_agents` returns a `Roster`: the expanded agents plus the group each `[[agent]]` made, so
later sections can name an agent or a whole group. An `[[agent]]` with `count = N > 1` makes
agents `<name>-1` .. `<name>-N`, and its name then names the group. Every agent name and group
name must be unique; a clash is reported at the later `[[agent]]`'s `name` key. `[defaults]`
may set any `[[agent]]` key but `name` and `count`, and `[roles.<role>]` (`solo`, `chief`,
`junior`) any of those but `role`, for the agents of that role. An agent reads each key from
itself, else its role's table, else `[defaults]`, except `env`, whose variables are merged
(the agent's win over its role's, which win over the defaults').
"""

from __future__ import annotations

import functools
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

from orgtui.config.limits import MAX_AGENTS, MAX_DEVICES
from orgtui.config.model import (
    KINDS,
    RESTARTS,
    ROLES,
    AgentSpec,
    Kind,
    OnPromptChange,
    Restart,
    Role,
)
from orgtui.config.patterns import check_ready
from orgtui.config.sizes import parse_size
from orgtui.config.skills import read_copy, read_setup, read_skills, read_tools
from orgtui.config.tables import Context, Table, describe, did_you_mean, suggest
from orgtui.config.texts import read_text

AGENT_KEYS = (
    "name",
    "count",
    "role",
    "kind",
    "command",
    "prompt",
    "env",
    "gpus",
    "restart",
    "size",
    "ready",
    "on_prompt_change",
    "reports_to",
    "skills",
    "tools",
    "setup",
    "copy",
)
DEFAULTS_KEYS = tuple(key for key in AGENT_KEYS if key not in ("name", "count"))
ROLE_KEYS = tuple(key for key in DEFAULTS_KEYS if key != "role")

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Roster:
    """The org's agents, expanded, and the groups `[[agent]]` entries made."""

    agents: tuple[AgentSpec, ...]
    """Every agent, in file order."""
    groups: Mapping[str, tuple[str, ...]]
    """Each `[[agent]]` name to the agents it made (itself alone when `count` = 1)."""

    @property
    def names(self) -> tuple[str, ...]:
        """Every agent's name, in file order."""
        return tuple(agent.name for agent in self.agents)

    def members(self, name: str) -> tuple[str, ...] | None:
        """The agents `name` stands for (an agent or a group), or None when it names none."""
        return self.groups.get(name) or ((name,) if name in self.names else None)


def kind_for(command: tuple[str, ...]) -> Kind:
    """The agent kind a command implies: by its program's basename, `orgtui agent` builtin."""
    program = os.path.basename(command[0])
    if program in ("claude", "codex"):
        return cast(Kind, program)
    if program == "orgtui" and command[1:2] == ("agent",):
        return "builtin"
    return "shell"


def read_defaults(table: Table | None) -> Table | None:
    """`[defaults]`, checked: any `[[agent]]` key but `name` and `count`."""
    if table is None:
        return None
    for key in ("name", "count"):
        if key in table.data:
            table.fail(
                key, f"'{key}' cannot be set in [defaults]: each [[agent]] sets its own", at="key"
            )
    table.check_keys(DEFAULTS_KEYS)
    return table


def read_roles(table: Table | None, defaults: Table | None) -> dict[str, Table]:
    """`[roles.<role>]`, checked: each a role's table, falling back to `[defaults]`."""
    if table is None:
        return {}
    roles: dict[str, Table] = {}
    for role in table.data:
        if role not in ROLES:
            table.fail(role, f"unknown role '{role}' in [roles]{suggest(role, ROLES)}", at="key")
        sub = table.subtable(role, f"[roles.{role}]")
        assert sub is not None
        sub.fallback = defaults
        if "role" in sub.data:
            sub.fail("role", f"'role' cannot be set in [roles.{role}]: it is the table's name",
                     at="key")  # fmt: skip
        sub.check_keys(ROLE_KEYS)
        if sub.has("kind"):
            sub.choice("kind", KINDS, "shell")
        if sub.has("command"):
            _command(sub)
        _settings(sub)
        roles[role] = sub
    return roles


def read_agents(
    context: Context,
    value: object,
    defaults: Table | None,
    roles: Mapping[str, Table] | None = None,
) -> Roster:
    """Every `[[agent]]` (`value` is the parsed `agent` array), expanded and checked; each
    reads a key it does not set from its role's table in `roles`, then from `defaults`."""
    if value is None or value == []:
        context.fail((), "the org has no agents: add an [[agent]] with a name and a command")
    if not isinstance(value, list):
        context.fail(("agent",), "'agent' must be an array of tables: write [[agent]]", at="key")
    agents: list[AgentSpec] = []
    groups: dict[str, tuple[str, ...]] = {}
    owner: dict[str, int] = {}
    tables: list[Table] = []
    for index, data in enumerate(value):
        if not isinstance(data, dict):
            context.fail(("agent", index), f"each agent must be a table, not {describe(data)}")
        label = _label(data, index)
        role = Table(context, data, ("agent", index), label, fallback=defaults)
        fallback = (roles or {}).get(role.choice("role", ROLES, "solo"), defaults)
        table = Table(context, data, ("agent", index), label, fallback=fallback)
        specs = _read_agent(table)
        if len(agents) + len(specs) > MAX_AGENTS:
            table.fail_table(
                f"{table.label} brings the org to {len(agents) + len(specs)} agents; an org may "
                f"have at most {MAX_AGENTS}"
            )
        group = table.raw("name")
        assert isinstance(group, str)
        for name in _taken_names(group, specs):
            if name in owner:
                _clash(table, name, tables[owner[name]])
            owner[name] = index
        groups[group] = tuple(spec.name for spec in specs)
        agents.extend(specs)
        tables.append(table)
    roster = Roster(agents=tuple(agents), groups=MappingProxyType(groups))
    for table in tables:
        _check_reports_to(table, roster)
    return roster


def _label(data: Mapping[str, object], index: int) -> str:
    name = data.get("name")
    return f'[[agent]] "{name}"' if isinstance(name, str) else f"[[agent]] #{index + 1}"


def _taken_names(group: str, specs: list[AgentSpec]) -> list[str]:
    names = [spec.name for spec in specs]
    return names if names == [group] else [group, *names]


def _clash(table: Table, name: str, earlier: Table) -> None:
    group = table.raw("name")
    line = table.context.locations.key((*earlier.path, "name")).line
    by = f'[[agent]] "{earlier.raw("name")}"'
    earlier_count = earlier.integer("count", 1, minimum=1, maximum=MAX_AGENTS)
    if earlier_count > 1:
        by += f" (count = {earlier_count})"
    if name == group:
        message = f'agent name "{name}" is already taken by {by} at line {line}'
    else:
        count = table.integer("count", 1, minimum=1, maximum=MAX_AGENTS)
        message = (
            f'[[agent]] "{group}" with count = {count} makes "{name}", which is already taken '
            f"by {by} at line {line}"
        )
    table.fail("name", message, at="key")


def _read_agent(table: Table) -> list[AgentSpec]:
    table.check_keys(AGENT_KEYS)
    name = table.name("name", "agent name")
    count = table.integer("count", 1, minimum=1, maximum=MAX_AGENTS)
    command = _command(table)
    settings = _settings(table)
    kind = cast(Kind, table.choice("kind", KINDS, kind_for(command)))
    names = [name] if count == 1 else [f"{name}-{number}" for number in range(1, count + 1)]
    return [
        AgentSpec(name=agent, command=command, kind=kind, group=name, **settings) for agent in names
    ]


def _settings(table: Table) -> dict[str, Any]:
    """Every AgentSpec field but the name, command, kind and group, read from `table`: an
    agent's, or a role's table (so that one no agent inherits is checked all the same)."""
    prompt, prompt_file = read_text(table, "prompt")
    cols, rows = _size(table)
    reports_to = table.optional_string("reports_to")
    if reports_to == "":
        table.fail("reports_to", "'reports_to' must name an agent, not be empty")
    return {
        "role": cast(Role, table.choice("role", ROLES, "solo")),
        "prompt": prompt,
        "prompt_file": prompt_file,
        "env": _env(table),
        "gpus": table.integer("gpus", 1, minimum=1, maximum=MAX_DEVICES),
        "restart": cast(Restart, table.choice("restart", RESTARTS, "on-failure")),
        "cols": cols,
        "rows": rows,
        "ready": _ready(table),
        "on_prompt_change": cast(
            OnPromptChange, table.choice("on_prompt_change", ("keep", "send"), "keep")
        ),
        "reports_to": reports_to,
        "skills": read_skills(table),
        "tools": read_tools(table),
        "setup": read_setup(table),
        "copy": read_copy(table),
    }


def _command(table: Table) -> tuple[str, ...]:
    if not table.has("command"):
        table.fail_table(
            f"missing required key 'command' in {table.label} (or set it in [defaults])"
        )
    value = table.raw("command")
    if isinstance(value, str):
        try:
            argv = list(split_command(value))
        except ValueError as error:
            table.fail("command", f"'command' cannot be split into arguments: {error}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                table.context.fail(
                    (*table.path_of("command"), index),
                    f"each argument of 'command' must be a string, not {describe(item)}",
                )
        argv = value
    else:
        table.fail(
            "command", f"'command' must be a string or a list of strings, not {describe(value)}"
        )
    if not argv or not argv[0]:
        table.fail("command", "'command' is empty: name the program to run")
    return tuple(argv)


@functools.lru_cache(maxsize=16)
def split_command(command: str) -> tuple[str, ...]:
    """`command` split into arguments as a shell would (ValueError when it cannot be).

    Remembered: shlex takes time quadratic in a word's length, and a `[defaults]` command is
    read again for every agent that inherits it.
    """
    return tuple(shlex.split(command))


def _env(table: Table) -> MappingProxyType[str, str]:
    merged: dict[str, str] = {}
    layers: list[Table] = []
    layer: Table | None = table
    while layer is not None:  # the agent, its role's table, [defaults]
        layers.insert(0, layer)
        layer = layer.fallback
    for each in layers:
        env = each.subtable("env", "'env'")
        if env is None:
            continue
        for key in env.data:
            if not _ENV_NAME.fullmatch(key):
                env.fail(key, f'"{key}" is not a valid environment variable name', at="key")
            if key.startswith("ORGTUI_"):
                env.fail(key, f"{key}: ORGTUI_ variables are set by orgtui itself", at="key")
            merged[key] = env.string(key, "")
    return MappingProxyType(merged)


def _size(table: Table) -> tuple[int, int]:
    if not table.has("size"):
        return 80, 24
    try:
        return parse_size(table.string("size", ""))
    except ValueError as error:
        table.fail("size", f"'size': {error}")


def _ready(table: Table) -> str | None:
    pattern = table.optional_string("ready")
    if pattern is not None:
        try:
            check_ready(pattern)
        except ValueError as error:
            table.fail("ready", f"'ready' is not a pattern RE2 can run: {error}")
    return pattern


def _check_reports_to(table: Table, roster: Roster) -> None:
    if not table.has("reports_to"):
        return
    target = table.string("reports_to", "")
    group = str(table.raw("name"))
    members = roster.members(target)
    if members is None:
        table.fail(
            "reports_to",
            f"'reports_to' names no agent: \"{target}\"{did_you_mean(target, roster.names)}",
        )
    if len(members) > 1:
        table.fail(
            "reports_to",
            f"'reports_to' names \"{target}\", a group of {len(members)} agents: name one of "
            f"{', '.join(members)}",
        )
    if target in roster.groups[group]:
        table.fail("reports_to", f'agent "{target}" cannot report to itself')
