"""`orgtui init DIR` (a research repo from the built-in task, or with `--task nanochat --from
PATH` from a nanochat clone) and `orgtui agent` (the built-in researcher, run in an agent's
pane)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from orgtui.cli.common import CliError


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "init",
        help="create a research repo: the built-in task, tinychat, or a nanochat clone's",
        description="Make DIR a research repo: tinychat (the built-in task, on main), or with "
        "--task nanochat --from PATH a clone of your nanochat clone on the branch "
        "orgtui/nanochat, one commit of orgtui's on its HEAD (the seed from ORGTUI_SEED, and "
        "program.md).",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--task", choices=("tinychat", "nanochat"), default="tinychat",
                   help="what the repo is made from (default: tinychat)")  # fmt: skip
    p.add_argument("--from", dest="source", metavar="PATH",
                   help="--task nanochat: your nanochat clone (its HEAD commit is taken)")  # fmt: skip
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

    if args.task == "nanochat":
        if not args.source:
            raise CliError("--task nanochat needs --from PATH: your nanochat clone")
        _init_nanochat(Path(args.source), Path(args.dir))
        return 0
    if args.source:
        raise CliError("--from is for --task nanochat; tinychat is built in")
    try:
        repo = init_repo(Path(args.dir))
    except InitError as e:
        raise CliError(str(e)) from None
    print(f"{repo}: a git repository on main with tinychat (train.py, program.md, "
          "search_space.toml, data/); point an org's `repo` at it")  # fmt: skip
    return 0


def _init_nanochat(source: Path, target: Path) -> None:
    from orgtui.research.init import InitError
    from orgtui.research.nanochat import init_nanochat

    try:
        made = init_nanochat(source, target)
    except InitError as e:
        raise CliError(str(e)) from None
    print(f"{made.repo}: a clone of {source} on the branch {made.base}, orgtui's commit "
          f"{made.commit[:12]} on its HEAD {made.upstream[:12]} (the seed from ORGTUI_SEED, "
          f"program.md); an org's `base` is {made.base}")  # fmt: skip
    if made.dirty:
        print(f"note: {source} has uncommitted changes; they were not taken (only its HEAD)")


def cmd_agent(args: argparse.Namespace) -> int:
    from orgtui.research.researcher import main

    return main(args.start, args.role, args.naive)


def init_if_missing(org_file: Path) -> None:
    """An org with `init = "tinychat"` (or `"nanochat"`, from `init_from`) whose repo does not
    exist yet gets it made first."""
    from orgtui.config import load_org
    from orgtui.research.init import InitError, init_repo

    cfg = load_org(org_file)
    if not cfg.org.init or cfg.org.repo.exists():
        return
    if cfg.org.init == "nanochat" and cfg.org.init_from is not None:
        _init_nanochat(cfg.org.init_from, cfg.org.repo)
        return
    try:
        init_repo(cfg.org.repo)
    except InitError as e:
        raise CliError(str(e)) from None
    print(f"made the research repo {cfg.org.repo} (tinychat)")
