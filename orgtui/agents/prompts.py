"""An agent's instructions, rendered into its worktree: `CLAUDE.md` for Claude Code agents,
`AGENTS.md` for every other kind (Codex reads it; people and the built-in researcher too).

The file holds the program's brief, the agent's role prompt and how this org works (branch,
who reports to whom, the comms files, the commands, the org's tools on its PATH), and, for
every kind but Claude Code (which finds them in `.claude/skills/` itself), the agent's skills
with their descriptions. It is kept out of `git status` through the repository's
`info/exclude`; a repository that tracks a file of that name keeps its own.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from orgtui.agents.skills import skill_root
from orgtui.config.model import AgentSpec, OrgConfig

log = logging.getLogger(__name__)

PROMPT_FILES = ("AGENTS.md", "CLAUDE.md")


def prompt_file_name(agent: AgentSpec) -> str:
    return "CLAUDE.md" if agent.kind == "claude" else "AGENTS.md"


def render(cfg: OrgConfig, agent: AgentSpec, branch: str, comms: Path) -> str:
    """The text of an agent's instructions file."""
    org = cfg.org
    team = [
        a.name
        for a in cfg.agents
        if a.reports_to in (agent.name, agent.group) and a.name != agent.name
    ]
    lines = [f'# {agent.name}: {agent.role} in the research org "{org.name}"', ""]
    if org.brief.strip():
        lines += ["## The program", "", org.brief.strip(), ""]
    if agent.prompt.strip():
        lines += ["## Your role", "", agent.prompt.strip(), ""]
    lines += [
        "## How this org works",
        "",
        f"- You work on the branch `{branch}`, forked from the program branch `{org.program}`,",
        "  in this worktree. Commit your work here; nobody else writes to it.",
    ]
    if agent.reports_to:
        lines.append(f"- You report to `{agent.reports_to}`.")
    if team:
        lines.append(f"- Reporting to you: {', '.join(f'`{n}`' for n in team)}.")
    told = (
        "Its verdict is typed into your session; `orgtui group wait G` prints it too."
        if cfg.scheduler.notify
        else "`orgtui group wait G` waits for its verdict and prints it."
    )
    lines += [
        f"- The board, read by everyone: `{comms / 'board.md'}`.",
        f"- Your inbox: `{comms / 'inbox' / (agent.name + '.md')}`. Read it between tasks.",
        '- Post to the board: `orgtui post "what you found"`; to one agent: '
        '`orgtui post --to NAME "text"`.',
        "- Run training through the org's scheduler, never by hand. Commit one change, then",
        "  `orgtui job submit --seeds 3` (it prints the group's id, G): orgd runs the org's",
        "  training command at the org's budget with seeds it draws, and the ledger judges the",
        "  group against its reference.",
        f"  {told}",
        "  Keep the commit only when the verdict is `better`, drop it otherwise, and quote the",
        "  verdict when you report. `orgtui results`, `orgtui group ls`: every group, its verdict.",
        "- See the org: `orgtui status`. Messages from the org and from people arrive typed into",
        "  your session.",
    ]
    if agent.tools:
        names = ", ".join(f"`{tool.name}`" for tool in agent.tools)
        lines.append(f"- The org's tools, on your PATH: {names}.")
    lines.append("")
    if agent.skills and agent.kind != "claude":
        root = skill_root(agent.kind)
        lines += [
            "## Skills",
            "",
            "Each skill is a folder holding a `SKILL.md` and what it uses. When a task matches a",
            "skill's description, read its `SKILL.md` first and follow it.",
            "",
        ]
        lines += [
            f"- `{s.name}` (`{root}/{s.name}/SKILL.md`): {s.description}" for s in agent.skills
        ]
        lines.append("")
    return "\n".join(lines)


def _tracked(worktree: Path, name: str) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(worktree), "ls-files", "--error-unmatch", name], capture_output=True
    )
    return proc.returncode == 0


def write_prompt(
    cfg: OrgConfig, agent: AgentSpec, branch: str, worktree: Path, comms: Path
) -> Path | None:
    """Write the agent's instructions file if it changed; its path, or None when the repository
    tracks a file of that name (that one is the repository's and stays untouched)."""
    path = worktree / prompt_file_name(agent)
    if _tracked(worktree, path.name):
        log.warning(
            "%s: the repository tracks %s; not writing the agent's prompt there",
            agent.name,
            path.name,
        )
        return None
    text = render(cfg, agent, branch, comms)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path
