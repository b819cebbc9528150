"""`orgtui init --task nanochat --from PATH DIR`: a research repository made from a user's
nanochat clone, with one commit of orgtui's on top.

DIR is a `git clone` of PATH (its HEAD commit; uncommitted changes are not taken), checked
out on the branch `orgtui/nanochat` (the org's `base`), whose head is exactly one commit on
PATH's HEAD, authored by orgtui and named as such. That commit does two things:

- **the seed**: upstream nanochat seeds torch with a fixed number (`torch.manual_seed(42)`,
  and `torch.cuda.manual_seed(42)` on CUDA, in `compute_init` of `nanochat/common.py`), so
  every seed of a group would be the same run. The commit makes those lines read the seed
  from `ORGTUI_SEED`, which orgd puts in every run's environment (upstream's number when the
  variable is not set, so a run by hand is upstream's run);
- **program.md**: how a result counts in an org, for the agents.

Nothing is cloned when PATH is not a nanochat clone or its seeding line is not found: the
error says which file and what was expected.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orgtui.config.sections import NANOCHAT_BRANCH
from orgtui.research.init import InitError
from orgtui.research.nanochat_program import PROGRAM_MD

SEED_FILE = "nanochat/common.py"
"""Where upstream nanochat seeds torch."""
REQUIRED = (SEED_FILE, "scripts/base_train.py")
"""What makes a git repository a nanochat clone, as orgtui uses it."""
SUBJECT = "orgtui: the run's seed from ORGTUI_SEED, and program.md for the agents"
AUTHOR = ("orgtui", "orgtui@localhost")
# `torch.manual_seed(42)` and `torch.cuda.manual_seed(42)`, each alone on its line.
_SEED_LINE = re.compile(
    r"^(?P<indent>[ \t]*)torch\.(?P<cuda>cuda\.)?manual_seed\((?P<seed>\d+)\)[ \t]*(?:#.*)?$",
    re.MULTILINE,
)
_IMPORT_OS = re.compile(r"^import os\s*$", re.MULTILINE)
_FIRST_IMPORT = re.compile(r"^(?:import|from) ", re.MULTILINE)
MESSAGE = f"""{SUBJECT}

Made by `orgtui init --task nanochat`; orgtui owns this commit.

- nanochat/common.py: torch is seeded from ORGTUI_SEED (set by orgd for every run), not
  from a fixed number, so the seeds of a group are different runs; upstream's number when
  ORGTUI_SEED is not set.
- program.md: how a result counts in an org (one change, a group of seeds, the verdict).
"""


@dataclass(frozen=True)
class Made:
    """What `init_nanochat` made."""

    repo: Path
    base: str
    """The branch DIR is on: the org's `base`."""
    upstream: str
    """PATH's HEAD commit, the parent of orgtui's."""
    commit: str
    """orgtui's commit."""
    dirty: bool
    """PATH had uncommitted changes (not taken)."""


def seed_from_env(text: str, where: str) -> str:
    """`text` of nanochat/common.py with its fixed torch seeds read from ORGTUI_SEED instead;
    InitError naming `where` when there is not exactly one `torch.manual_seed(N)` line."""
    plain = [m for m in _SEED_LINE.finditer(text) if not m["cuda"]]
    if len(plain) != 1:
        found = "none" if not plain else f"{len(plain)} of them"
        raise InitError(
            f"{where}: expected one line `torch.manual_seed(42)` (upstream nanochat seeds torch "
            f"with a fixed number in compute_init), found {found}: orgtui cannot make the "
            "run's seed come from ORGTUI_SEED"
        )

    def seeded(m: re.Match[str]) -> str:
        call = "torch.cuda.manual_seed" if m["cuda"] else "torch.manual_seed"
        value = f'int(os.environ.get("ORGTUI_SEED", "{m["seed"]}"))'
        return f"{m['indent']}{call}({value})  # orgtui: the run's seed, drawn by orgd"

    text = _SEED_LINE.sub(seeded, text)
    if not _IMPORT_OS.search(text):
        first = _FIRST_IMPORT.search(text)
        at = first.start() if first else 0
        text = text[:at] + "import os\n" + text[at:]
    return text


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    if done.returncode != 0:
        raise InitError(f"git {args[0]} in {cwd}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def _source(path: Path) -> tuple[str, str]:
    """(HEAD commit, nanochat/common.py at HEAD) of the clone at `path`; InitError when it is
    not a nanochat clone."""
    if not path.is_dir():
        raise InitError(f"--from {path}: no such folder (give the path of your nanochat clone)")
    found = subprocess.run(["git", "-C", str(path), "rev-parse", "--verify", "HEAD^{commit}"],
                           capture_output=True, text=True)  # fmt: skip
    if found.returncode != 0:
        raise InitError(f"--from {path}: not a git clone with a commit (git clone nanochat first)")
    head = found.stdout.strip()
    for name in REQUIRED:
        there = subprocess.run(["git", "-C", str(path), "cat-file", "-e", f"{head}:{name}"],
                               capture_output=True)  # fmt: skip
        if there.returncode != 0:
            raise InitError(
                f"--from {path}: not a nanochat clone: its HEAD has no {name} (expected "
                f"karpathy/nanochat's layout: {' and '.join(REQUIRED)})"
            )
    return head, _git(path, "show", f"{head}:{SEED_FILE}")


def init_nanochat(source: Path, target: Path) -> Made:
    """Make the research repository at `target` (a missing or empty folder) from the nanochat
    clone at `source` (see the module's docstring)."""
    source, target = source.expanduser().absolute(), target.expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(f"{target} exists and is not an empty folder: give a new one")
    upstream, common = _source(source)
    patched = seed_from_env(common, f"{source / SEED_FILE} (at {upstream[:12]})")
    status = subprocess.run(["git", "-C", str(source), "status", "--porcelain",
                             "--untracked-files=no"], capture_output=True, text=True)  # fmt: skip
    dirty = status.returncode == 0 and bool(status.stdout.strip())  # a bare clone has no tree
    made = not target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _git(target.parent, "clone", "-q", "--no-hardlinks", str(source), str(target))
        _git(target, "checkout", "-q", "-b", NANOCHAT_BRANCH, upstream)
        (target / SEED_FILE).write_text(patched)
        (target / "program.md").write_text(PROGRAM_MD)
        _git(target, "add", SEED_FILE, "program.md")
        name, email = AUTHOR
        env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}  # fmt: skip
        _git(target, "commit", "-q", "--no-verify", "-m", MESSAGE, env=env)
        commit = _git(target, "rev-parse", "HEAD").strip()
    except BaseException:
        # Only what this call made goes: the folder, or what it put in the empty one given.
        if made:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    return Made(target, NANOCHAT_BRANCH, upstream, commit, dirty)
