"""The org file: its model, and `load_org` that reads and validates it.

`load_org(path)` returns a frozen `OrgConfig` or raises `ConfigError` (`file:line:col: message`).
`parse_duration`, `parse_clock` and `parse_size` read the file's string-encoded values.
"""

from typing import TYPE_CHECKING

# Loaded when first used (PEP 562): a command that needs only a light part of the package
# (the runtime folder, durations) does not pay for the loader's import on every call.
_WHERE = {
    "format_duration": "durations", "parse_clock": "durations", "parse_duration": "durations",
    "ConfigError": "errors", "load_org": "load", "AgentSpec": "model", "OrgConfig": "model",
    "OrgSection": "model", "ProcessSpec": "model", "ResearchSection": "model",
    "SchedulerSection": "model", "parse_size": "sizes", "names_file": "texts",
}  # fmt: skip


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module 'orgtui.config' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"orgtui.config.{_WHERE[name]}"), name)


__all__ = [
    "AgentSpec",
    "ConfigError",
    "OrgConfig",
    "OrgSection",
    "ProcessSpec",
    "ResearchSection",
    "SchedulerSection",
    "format_duration",
    "load_org",
    "names_file",
    "parse_clock",
    "parse_duration",
    "parse_size",
]

if TYPE_CHECKING:
    from orgtui.config.durations import format_duration, parse_clock, parse_duration
    from orgtui.config.errors import ConfigError
    from orgtui.config.load import load_org
    from orgtui.config.model import (
        AgentSpec,
        OrgConfig,
        OrgSection,
        ProcessSpec,
        ResearchSection,
        SchedulerSection,
    )
    from orgtui.config.sizes import parse_size
    from orgtui.config.texts import names_file
