"""How an agent's pane is launched: its window spec and environment, its own `bin` folder
first on its PATH (`orgtui` and its tools: `agents.skills`)."""

from __future__ import annotations

import os
from pathlib import Path

from orgtui.agents.setup import pane_argv
from orgtui.agents.skills import bin_dir
from orgtui.config.model import AgentSpec, OrgConfig
from orgtui.config.runtime import OrgRuntime
from orgtui.tmux.server import WindowSpec


def comms_dir(cfg: OrgConfig) -> Path:
    return cfg.org.workdir / "comms"


def agent_env(cfg: OrgConfig, rt: OrgRuntime, agent: AgentSpec, worktree: Path) -> dict[str, str]:
    """The variables an agent's pane gets on top of orgd's environment."""
    env = {
        "ORGTUI_ORG": str(cfg.file),
        "ORGTUI_AGENT": agent.name,
        "ORGTUI_ROLE": agent.role,
        "ORGTUI_SOCKET": str(rt.orgd_sock),
        "ORGTUI_COMMS": str(comms_dir(cfg)),
        "ORGTUI_WORKTREE": str(worktree),
        "PATH": os.pathsep.join(
            [str(bin_dir(cfg.org.workdir, agent.name)), os.environ.get("PATH", os.defpath)]
        ),
    }
    if cfg.scheduler.pane_devices == "none":
        env["CUDA_VISIBLE_DEVICES"] = ""
    env.update(agent.env)
    if "PATH" in agent.env:  # the agent's own PATH, after its bin folder all the same
        env["PATH"] = os.pathsep.join([str(bin_dir(cfg.org.workdir, agent.name)), env["PATH"]])
    return env


def window_spec(cfg: OrgConfig, rt: OrgRuntime, agent: AgentSpec, worktree: Path) -> WindowSpec:
    """The tmux window an agent runs in (its command, behind its worktree's setup until that
    has succeeded once)."""
    return WindowSpec(
        name=agent.name,
        cwd=worktree,
        argv=pane_argv(cfg.org.workdir, agent, cfg.org.repo),
        env=agent_env(cfg, rt, agent, worktree),
        cols=agent.cols,
        rows=agent.rows,
    )
