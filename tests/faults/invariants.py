"""What must hold after any fault, checked on a real org from the outside: through the CLI, the
ledger file (read-only) and /proc.

- no job lost or recorded twice: every submitted job is in the ledger exactly once, and none is
  `lost` unless the fault was meant to lose it;
- no device held by a job that is not running;
- no job process left running without its job (a process carrying `ORGTUI_JOB=<id>` whose job
  has ended);
- the ledger passes `PRAGMA integrity_check`;
- the agents' worktrees are untouched (`git status` and HEAD as before the fault).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import git

PROC = Path("/proc")


def job_processes(workdir: Path | None = None) -> dict[int, set[int]]:
    """Every process carrying ORGTUI_JOB, by job id: {job: {pid, ...}}; with `workdir`, only
    those running in it (a job's checkout, or an agent's worktree for an in-place job), so
    another org's jobs with the same ids are not counted."""
    found: dict[int, set[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text()
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if workdir is not None and workdir.resolve() not in cwd.parents:
            continue
        if state[state.rindex(")") + 2] == "Z":
            continue
        for var in environ.split(b"\0"):
            if var.startswith(b"ORGTUI_JOB="):
                found.setdefault(int(var.split(b"=", 1)[1]), set()).add(int(entry.name))
    return found


@dataclass
class Worktrees:
    """What the agents' worktrees held before a fault: HEAD and `git status` of each."""

    seen: dict[str, tuple[str, str]]

    @classmethod
    def read(cls, status: dict) -> Worktrees:
        return cls({
            a["name"]: (git(Path(a["worktree"]), "rev-parse", "HEAD"),
                        git(Path(a["worktree"]), "status", "--porcelain", "--ignored"))
            for a in status["agents"]
        })  # fmt: skip

    def unchanged(self, status: dict) -> None:
        assert Worktrees.read(status).seen == self.seen, "an agent's worktree changed"


def jobs(orgtui) -> list[dict]:
    return json.loads(orgtui("job", "ls", "--json").stdout)


def holders(orgtui) -> dict[str, int | None]:
    """Each device and the job orgd says holds it."""
    return {d["id"]: d["job"] for d in orgtui.status()["scheduler"]["devices"]}


def check(orgtui, submitted: list[int], may_be_lost: tuple[int, ...] = ()) -> list[dict]:
    """Check the invariants on the running org; its jobs."""
    rows = jobs(orgtui)
    ids = [j["id"] for j in rows]
    assert len(ids) == len(set(ids)), f"a job recorded twice: {ids}"
    assert set(submitted) <= set(ids), f"jobs lost from the ledger: {set(submitted) - set(ids)}"
    lost = {j["id"] for j in rows if j["state"] == "lost"} - set(may_be_lost)
    assert not lost, (
        f"jobs recorded lost: {[(j['id'], j['reason']) for j in rows if j['id'] in lost]}"
    )
    state = {j["id"]: j["state"] for j in rows}
    # A device is read held before and after the jobs are read: a job that starts or ends
    # between two reads is no leak; a device held throughout by a job not running is one.
    before = holders(orgtui)
    again = {j["id"]: j["state"] for j in jobs(orgtui)}
    for device, held in holders(orgtui).items():
        if held is not None and before.get(device) == held:
            assert again.get(held) == "running", f"{device} held by {held} ({again.get(held)})"
    status = orgtui.status()
    workdir = Path(status["workdir"])
    orphans = {job: pids for job, pids in job_processes(workdir).items()
               if job in state and state[job] not in ("running", "queued")}  # fmt: skip
    assert not orphans, f"processes of ended jobs still run: {orphans}"
    ledger = Path(status["workdir"]) / "ledger.sqlite"
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    return rows


def timed_up(orgtui, org_file: str) -> float:
    """Seconds `orgtui up` took (it starts or re-adopts the org)."""
    start = time.monotonic()
    orgtui("up", org_file)
    return time.monotonic() - start
