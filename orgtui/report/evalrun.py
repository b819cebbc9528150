"""`orgtui eval`'s runs: each org file run R times for M minutes, one run after another (the
repeats interleaved, A1 B1 A2 B2 ..., so that a machine that slows down hits every org),
each a real `orgtui up` and `orgtui down` of a copy of the org on a throwaway clone under
the output folder (`orgcopy`), its ledger kept there, its score read from it with the
horizon = M minutes (`judge.progress.score`).

A run is cut short, and says why, when its `up` fails, its orgd stops before the M minutes
are over, or eval is interrupted (Ctrl-C: that run is stopped, the later ones are not run,
and what was done is still reported). `orgtui down` runs after every run that was started,
whatever happened.

The run's folder (`<DIR>/<k>-<org>/run-<r>/`) holds `org.toml` (the copy), `repo/` (the
clone), `work/` (worktrees, logs and `ledger.sqlite`), `up.log` and `down.log`.
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgtui.config.durations import readable as duration
from orgtui.config.model import OrgConfig
from orgtui.config.runtime import org_runtime
from orgtui.judge.progress import History, Progress, score
from orgtui.ledger.outcomes import started_at
from orgtui.ledger.progress import history
from orgtui.ledger.store import Ledger
from orgtui.report.orgcopy import (
    EvalError,
    Source,
    clean_env,
    clone_run,
    make_source,
    org_copy,
    start_commit,
)

UP_SECONDS = 300.0
"""How long `orgtui up` or `orgtui down` may take before the run is called cut short."""
LATE_START = 60.0
"""How much longer than M minutes after `up` a run waits for a late first group."""


@dataclass
class Run:
    """One run of one org file."""

    repeat: int
    name: str
    """The org's name in this run (unique)."""
    folder: Path
    completed: bool = False
    reason: str | None = None
    """Why it was cut short or not run; None when it completed."""
    seconds: float = 0.0
    """From `up` to `down`."""
    progress: Progress | None = None
    note: str = ""
    """What went wrong after the run (a `down` that failed), else ''."""

    @property
    def ledger(self) -> Path:
        return self.folder / "work" / "ledger.sqlite"

    def to_json(self) -> dict[str, Any]:
        """The score's keys as `orgtui progress --json` has them, then the run's own."""
        found = self.progress
        out = found.score.to_json() if found else empty_score()
        out |= {
            "completed": self.completed, "reason": self.reason, "repeat": self.repeat,
            "org": self.name, "dir": str(self.folder), "seconds": round(self.seconds, 1),
            "start": {"mean": found.start_mean if found else None,
                      "sigma": found.sigma if found else None},
            "points": [p.to_json() for p in found.points] if found else [],
            "note": self.note,
        }  # fmt: skip
        return out


def empty_score() -> dict[str, Any]:
    """The score of a run with no ledger (its `up` failed before orgd made one)."""
    return score(History("", "minimize", None, None, None), 0.0).score.to_json()


@dataclass
class OrgRuns:
    """One org file and its runs."""

    file: Path
    cfg: OrgConfig
    commit: str
    """The commit every run starts from."""
    folder: Path
    source: Source
    label: str
    """How tables and plots name it: its org's name (with its place when two share one)."""
    runs: list[Run] = field(default_factory=list)


def _log(path: Path, proc: subprocess.CompletedProcess[str] | None, what: str) -> str:
    """Write what the command printed to `path`; its error (the line saying `orgtui: ...`,
    which may be followed by a log's tail), else the last line it wrote on stderr."""
    if proc is None:
        path.write_text(f"{what}: did not end in {UP_SECONDS:g}s\n")
        return f"did not end in {UP_SECONDS:g}s"
    path.write_text(f"$ {what}\nexit {proc.returncode}\n{proc.stdout}{proc.stderr}")
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    errors = [line.removeprefix("orgtui: ") for line in lines if line.startswith("orgtui: ")]
    return errors[-1] if errors else lines[-1] if lines else f"exit {proc.returncode}"


def _orgtui(*args: str) -> subprocess.CompletedProcess[str] | None:
    command = [sys.executable, "-m", "orgtui", *args]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, env=clean_env(), stdin=subprocess.DEVNULL,
            timeout=UP_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C ignored while an org is brought down (it must not be left running)."""
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to hold off
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _wait(run: Run, copy: Path, horizon: float, began: float) -> None:
    """Wait until M minutes from the org's start have passed (its first group; else from
    `up`), or its orgd stops (the run is cut short)."""
    rt = org_runtime(run.name, copy)
    up_done = time.time()
    deadline = up_done + horizon
    first: float | None = None
    while True:
        now = time.time()
        if first is None and (first := started_at(run.ledger)) is not None:
            deadline = min(max(deadline, first + horizon), up_done + horizon + LATE_START)
        if now >= deadline:
            run.completed = True
            return
        if rt.daemon_pid() is None:
            run.reason = (f"orgd stopped {duration(now - began)} into the run "
                          f"(see {run.folder / 'work' / 'logs' / 'orgd.log'})")  # fmt: skip
            return
        time.sleep(max(0.05, min(1.0, deadline - now)))


def execute(org: OrgRuns, run: Run, horizon: float) -> None:
    """Run `run` of `org`: clone, copy, up, wait, down, score. KeyboardInterrupt (after the
    org is down and the run marked) when eval is interrupted."""
    repo, work, copy = run.folder / "repo", run.folder / "work", run.folder / "org.toml"
    began = time.time()
    interrupted = started = False
    try:
        clone_run(org.source, org.commit, org.cfg.org.program, repo)
        copy.write_text(org_copy(org.cfg, run.name, repo, work))
        started = True
        up = _orgtui("up", str(copy))
        said = _log(run.folder / "up.log", up, f"orgtui up {copy}")
        if up is None or up.returncode != 0:
            run.reason = f"up failed: {said} (see {run.folder / 'up.log'})"
        else:
            _wait(run, copy, horizon, began)
    except EvalError as e:
        run.reason = f"could not prepare the run: {e}"
    except KeyboardInterrupt:
        interrupted = True
        run.completed = False
        run.reason = f"interrupted (Ctrl-C) {duration(time.time() - began)} into the run"
    finally:
        with _no_interrupt():
            run.seconds = time.time() - began
            if started:
                down = _orgtui("down", str(copy))
                said = _log(run.folder / "down.log", down, f"orgtui down {copy}")
                if down is None or down.returncode != 0:
                    run.note = f"down failed: {said} (see {run.folder / 'down.log'})"
            run.progress = read_score(run, org.cfg, horizon)
    if interrupted:
        raise KeyboardInterrupt


def read_score(run: Run, cfg: OrgConfig, horizon: float) -> Progress | None:
    """The run's score over the horizon, from its ledger (None when it has none)."""
    if not run.ledger.exists():
        return None
    research = cfg.research
    with Ledger(run.ledger, readonly=True) as ledger:
        return score(history(ledger, research.metric, research.goal), horizon)


def prepare(files: list[Path], cfgs: list[OrgConfig], out: Path) -> list[OrgRuns]:
    """Each org file's source and start commit, found now, before any run: one source per
    research repo, and one per built-in task for the orgs whose repo is made from it."""
    sources: dict[str, Source] = {}
    orgs = []
    for k, (file, cfg) in enumerate(zip(files, cfgs, strict=True), 1):
        repo = cfg.org.repo
        # Orgs made from one built-in task share one made repo: they start from one commit.
        made = cfg.org.init if cfg.org.init and not repo.exists() else ""
        key = f"init:{made}:{cfg.org.init_from or ''}" if made else str(repo)
        if key not in sources:
            name = made or repo.name or "repo"
            folder = out / "sources" / f"{len(sources) + 1}-{name}"
            sources[key] = make_source(cfg, folder, clean_env())
        source = sources[key]
        folder = out / f"{k}-{cfg.org.name}"
        names = [c.org.name for c in cfgs]
        label = cfg.org.name if names.count(cfg.org.name) == 1 else f"{cfg.org.name} ({k})"
        orgs.append(OrgRuns(file, cfg, start_commit(source, cfg), folder, source, label))
    return orgs


def evaluate(orgs: list[OrgRuns], minutes: float, repeats: int,
             say: Callable[[str], None], saved: Callable[[], None]) -> bool:  # fmt: skip
    """Run every org `repeats` times for `minutes`, interleaved; `say` tells a person what
    happens, `saved` is called after every run (to write the results so far). Whether eval
    was interrupted (the runs not made are marked)."""
    horizon = minutes * 60.0
    token = secrets.token_hex(2)
    interrupted = False
    total = len(orgs) * repeats
    for r in range(1, repeats + 1):
        for k, org in enumerate(orgs, 1):
            name = f"{org.cfg.org.name[:24]}-ev{token}-{k}-{r}"
            run = Run(r, name, org.folder / f"run-{r}")
            org.runs.append(run)
            done = (r - 1) * len(orgs) + k
            if interrupted:
                run.reason = "not run: eval was interrupted"
                continue
            run.folder.mkdir(parents=True, exist_ok=True)
            until = time.strftime("%H:%M:%S", time.localtime(time.time() + horizon))
            say(f"run {done}/{total}: {org.file} as org {name} for {duration(horizon)} "
                f"(until about {until})")  # fmt: skip
            try:
                execute(org, run, horizon)
            except KeyboardInterrupt:
                interrupted = True
            s = run.progress.score if run.progress else None
            auc = "-" if s is None or s.auc is None else f"{s.auc:+.4g}"
            wins = 0 if s is None else s.verified_wins
            state = "done" if run.completed else f"cut short: {run.reason}"
            say(f"run {done}/{total}: {state}; auc {auc}, {wins} verified wins"
                + (f"; {run.note}" if run.note else ""))  # fmt: skip
            saved()
    return interrupted
