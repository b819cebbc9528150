"""`orgtui init DIR` (a research repo from the built-in task) and `orgtui agent` (the
built-in researcher, run in an agent's pane)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from orgtui.cli.common import CliError


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("init", help="create a research repo from the built-in task, tinychat")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("agent", help="the built-in researcher (run in an agent's pane)")
    p.add_argument("--start", metavar="KNOB", help="the knob of the search space to begin with")
    p.add_argument("--role", choices=("solo", "chief", "junior"),
                   help="chief: splits the search space among the juniors and promotes their "
                   "wins; junior: runs what its inbox assigns (default: the agent's role in "
                   "the org file)")  # fmt: skip
    p.add_argument("--naive", action="store_true",
                   help="the original experiment's habits, on purpose: one seed, keeps "
                   "whatever number is lower, bigger models included")  # fmt: skip
    p.set_defaults(func=cmd_agent)


def cmd_init(args: argparse.Namespace) -> int:
    from orgtui.research.init import InitError, init_repo

    try:
        repo = init_repo(Path(args.dir))
    except InitError as e:
        raise CliError(str(e)) from None
    print(f"{repo}: a git repository on main with tinychat (train.py, program.md, "
          "search_space.toml, data/); point an org's `repo` at it")  # fmt: skip
    return 0


def cmd_agent(args: argparse.Namespace) -> int:
    from orgtui.research.researcher import main

    return main(args.start, args.role, args.naive)


def init_if_missing(org_file: Path) -> None:
    """An org with `init = "tinychat"` whose repo does not exist yet gets it made first."""
    from orgtui.config import load_org
    from orgtui.research.init import InitError, init_repo

    cfg = load_org(org_file)
    if cfg.org.init == "tinychat" and not cfg.org.repo.exists():
        try:
            init_repo(cfg.org.repo)
        except InitError as e:
            raise CliError(str(e)) from None
        print(f"made the research repo {cfg.org.repo} (tinychat)")
