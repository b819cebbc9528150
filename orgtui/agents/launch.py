"""How an agent's pane is launched: its window spec, environment and orgtui's `bin` folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orgtui.config.model import AgentSpec, OrgConfig
from orgtui.config.runtime import OrgRuntime
from orgtui.tmux.server import WindowSpec


def bin_dir(workdir: Path) -> Path:
    """The folder put first on every agent's PATH; it holds only the `orgtui` command, so an
    agent's `python` stays its own."""
    return workdir / "bin"


def write_bin(workdir: Path) -> Path:
    """Write `<workdir>/bin/orgtui`, running this installation's orgtui: the folder and the
    script are this user's alone (0700), like everything under the work dir."""
    folder = bin_dir(workdir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    script = folder / "orgtui"
    text = f"#!/bin/sh\nexec '{sys.executable}' -m orgtui \"$@\"\n"
    if not script.exists() or script.read_text() != text:
        tmp = script.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o700)
        tmp.replace(script)
    script.chmod(0o700)
    return script


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
        "PATH": f"{bin_dir(cfg.org.workdir)}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
    }
    if cfg.scheduler.pane_devices == "none":
        env["CUDA_VISIBLE_DEVICES"] = ""
    env.update(agent.env)
    return env


def window_spec(cfg: OrgConfig, rt: OrgRuntime, agent: AgentSpec, worktree: Path) -> WindowSpec:
    """The tmux window an agent runs in."""
    return WindowSpec(
        name=agent.name,
        cwd=worktree,
        argv=agent.command,
        env=agent_env(cfg, rt, agent, worktree),
        cols=agent.cols,
        rows=agent.rows,
    )
