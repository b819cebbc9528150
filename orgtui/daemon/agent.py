"""One agent of the running org as orgd holds it, and how one is made.

`make_agent` gives an agent its branch and worktree (forked from the program branch when
new, kept when they exist), records a new worktree's setup as pending, and installs its
skills, tools and instructions; orgd makes every agent this way, at start and when an edit of
the org file adds one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from orgtui.agents import setup, skills
from orgtui.agents.launch import comms_dir
from orgtui.agents.lifecycle import AgentLife
from orgtui.agents.prompts import write_prompt
from orgtui.agents.trust import record_trust
from orgtui.config.model import AgentSpec, OrgConfig
from orgtui.workspace import ensure_agent


@dataclass
class Agent:
    """One agent of the running org: its spec, its worktree and what orgd knows of its pane."""

    spec: AgentSpec
    branch: str
    worktree: Path
    life: AgentLife
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while a message is typed into its pane, so two senders never interleave."""


def make_agent(cfg: OrgConfig, spec: AgentSpec) -> Agent:
    """The agent `spec` names in the org `cfg`, its branch, worktree and instructions ready
    (git's errors are WorkspaceError)."""
    org = cfg.org
    ws = ensure_agent(org.repo, org.program, org.workdir, spec.name)
    record_trust(spec, ws.worktree)
    if ws.created:
        setup.new_worktree(org.workdir, spec, org.repo)
    skills.install(spec, ws.worktree, org.workdir, org.repo)
    write_prompt(cfg, spec, ws.branch, ws.worktree, comms_dir(cfg))
    return Agent(spec, ws.branch, ws.worktree, AgentLife(restart_policy=spec.restart))
