"""Reader for `[[process]]`: the org's rituals, checked against its agents.

`to` is `"all"`, a role, or agent names; a name may be an agent or an `[[agent]]` group, which
stands for all its agents. A string that is not `all` or a role but names agents is kept as the
list of them. `deliver_to` takes agent or group names the same way. `deadline` belongs to
`collect` rituals and `idle` to `nudge` ones; `send` and `nudge` rituals need a `send` message.
`name` and `kind` are required, and exactly one of `every` and `at`.
"""

from __future__ import annotations

from typing import cast

from orgtui.config.agents import Roster
from orgtui.config.durations import parse_clock
from orgtui.config.model import PROCESS_KINDS, ROLES, ProcessKind, ProcessSpec
from orgtui.config.sections import check_template
from orgtui.config.tables import Context, Table, describe, did_you_mean

PROCESS_KEYS = ("name", "kind", "every", "at", "to", "send", "deadline", "idle", "deliver_to")
SEND_FIELDS = ("agent", "role", "date", "comms", "program")
"""The placeholders a ritual's `send` message may use."""


def read_processes(context: Context, value: object, roster: Roster) -> tuple[ProcessSpec, ...]:
    """Every `[[process]]` (`value` is the parsed `process` array, or None)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        context.fail(
            ("process",), "'process' must be an array of tables: write [[process]]", at="key"
        )
    processes: list[ProcessSpec] = []
    lines: dict[str, int] = {}
    for index, data in enumerate(value):
        if not isinstance(data, dict):
            context.fail(("process", index), f"each process must be a table, not {describe(data)}")
        name = data.get("name")
        label = f'[[process]] "{name}"' if isinstance(name, str) else f"[[process]] #{index + 1}"
        table = Table(context, data, ("process", index), label)
        process = _read_process(table, roster)
        if process.name in lines:
            table.fail(
                "name",
                f'process name "{process.name}" is already used by the [[process]] at line '
                f"{lines[process.name]}",
                at="key",
            )
        lines[process.name] = context.locations.key(("process", index, "name")).line
        processes.append(process)
    return tuple(processes)


def _read_process(table: Table, roster: Roster) -> ProcessSpec:
    table.check_keys(PROCESS_KEYS)
    name = table.name("name", "process name")
    table.require("kind")
    kind = cast(ProcessKind, table.choice("kind", PROCESS_KINDS, "send"))
    every = table.optional_duration("every")
    at = table.optional_string("at")
    if every is not None and at is not None:
        table.fail("at", "set either 'every' or 'at', not both", at="key")
    if every is None and at is None:
        table.fail_table(f"{table.label} needs 'every' (like \"24h\") or 'at' (like \"09:00\")")
    if at is not None:
        try:
            parse_clock(at)
        except ValueError as error:
            table.fail("at", f"'at': {error}")
    send = table.string("send", "")
    check_template(table, "send", send, SEND_FIELDS)
    if kind in ("send", "nudge") and not send:
        if table.has("send"):
            table.fail("send", f"a {kind} process needs a 'send' message, not an empty one")
        table.fail_table(f"missing required key 'send' in {table.label} (kind = \"{kind}\")")
    _only_for(table, "deadline", "collect", kind)
    _only_for(table, "idle", "nudge", kind)
    _only_for(table, "deliver_to", "collect", kind)
    spec = ProcessSpec(
        name=name,
        kind=kind,
        every=every,
        at=at,
        to=_recipients(table, roster),
        send=send,
        deadline=table.optional_duration("deadline"),
        idle=table.optional_duration("idle"),
        deliver_to=_agent_names(table, "deliver_to", roster) if table.has("deliver_to") else (),
    )
    if kind == "collect" and collect_path(send) is None:
        table.fail(
            "send" if table.has("send") else "kind",
            "a collect process asks the agents to write a file and gathers them: its 'send' "
            "message must name that file with {agent} in it, like "
            '"write your standup to {comms}/standup/{date}/{agent}.md"',
        )
    return spec


def collect_path(send: str) -> str | None:
    """The file a collect ritual's message asks each agent to write: its first word that
    holds `{agent}` (as a template, like `{comms}/standup/{date}/{agent}.md`), or None."""
    for word in send.split():
        word = word.strip("\"'`()<>[],;:").rstrip(".!?")
        if "{agent}" in word and ("/" in word or "." in word):  # a file's name, not the word
            return word
    return None


def digest_path(path: str) -> str:
    """Where a collect ritual writes its digest: `.../{date}/{agent}.md` gathers into
    `.../{date}.md`; a name that only holds {agent} (`notes-{agent}.md`) into `notes-all.md`."""
    folder, _, name = path.rpartition("/")
    if name.startswith("{agent}") and folder:
        return folder + name.removeprefix("{agent}")
    return path.replace("{agent}", "all")


def _only_for(table: Table, key: str, kind: str, actual: str) -> None:
    if table.has(key) and actual != kind:
        table.fail(key, f'\'{key}\' applies only to kind = "{kind}", not "{actual}"', at="key")


def _recipients(table: Table, roster: Roster) -> str | tuple[str, ...]:
    if not table.has("to"):
        return "all"
    value = table.raw("to")
    if isinstance(value, str) and (value == "all" or value in ROLES):
        return value
    return _agent_names(table, "to", roster)


def _agent_names(table: Table, key: str, roster: Roster) -> tuple[str, ...]:
    """The agents that the string or list of strings at `key` names, groups expanded."""
    value = table.raw(key)
    choices = roster.names + tuple(roster.groups) + (("all", *ROLES) if key == "to" else ())
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        table.fail(key, f"'{key}' must be a string or a list of agent names, not {describe(value)}")
    if not items:
        table.fail(key, f"'{key}' lists no agent")
    names: list[str] = []
    for index, item in enumerate(items):
        path = table.path_of(key) if isinstance(value, str) else (*table.path_of(key), index)
        if not isinstance(item, str):
            table.context.fail(path, f"'{key}' must list agent names, not {describe(item)}")
        members = roster.members(item)
        if members is None and key == "to" and item in ("all", *ROLES):
            whom = "every agent" if item == "all" else f"every {item}"
            table.context.fail(
                path, f"a list in 'to' names agents; for {whom} write to = \"{item}\""
            )
        if members is None:
            what = "no agent or role" if key == "to" else "no agent"
            table.context.fail(
                path, f"'{key}' names {what}: \"{item}\"{did_you_mean(item, set(choices))}"
            )
        names.extend(member for member in members if member not in names)
    return tuple(names)
