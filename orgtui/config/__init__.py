"""The org file: its model, and `load_org` that reads and validates it.

`load_org(path)` returns a frozen `OrgConfig` or raises `ConfigError` (`file:line:col: message`).
`parse_duration`, `parse_clock` and `parse_size` read the file's string-encoded values.
"""

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
