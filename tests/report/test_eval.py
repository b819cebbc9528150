"""`orgtui eval` on tiny orgs with real `up` and `down`: two orgs of shell agents whose
research.train is a stand-in trainer (val_bpb from the seed alone, plus a SHIFT a change may
lower), run for a few seconds each. `winner` commits SHIFT = -1.0 and submits it, and orgd
promotes it (`promote = "auto"`): a verified win; `steady` only runs its baselines. Checked:
the JSON's keys and figures, the files under DIR, and that the user's repository (branches,
work tree) is untouched. A run whose orgd is killed is reported cut short and not averaged,
and an org with `init = "tinychat"` whose repo does not exist is made under DIR only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, git
from tests.helpers import agent_toml, org_toml, wait_for
from tests.report.test_report import png_size

STUB = '''\
"""A stand-in for a trainer: its val_bpb depends on the seed alone, plus SHIFT."""
import os

SHIFT = 0.0

seed = int(os.environ["ORGTUI_SEED"])
print(f"val_bpb: {3.0 + seed * 2654435761 % 1000 / 10000 + SHIFT:.6f}")
print("total_tokens: 1000")
print("flops: 6.0000e+06")
print("num_params: 1000")
print("num_steps: 10")
'''

COMMON = """
[scheduler]
devices = "cpu"
cpu_slots = 2
mode = "pool"
flops_budget = 6e6
time_budget = "1m"

[[process]]
name = "baseline"
kind = "baseline"
every = "30s"
"""
RESEARCH = """
[research]
train = "{python} stub.py"
seeds = 3
min_delta = 0.5
"""
WIN = (
    "sed -i 's/^SHIFT = 0.0$/SHIFT = -1.0/' stub.py"
    " && git -c user.name=w -c user.email=w@x commit -qam 'shift -1'"
    " && orgtui job submit --seeds 3 --description 'shift -1'; exec bash --norc"
)
STEADY = org_toml("steady", RESEARCH, agent_toml("idle"), COMMON)
WINNER = org_toml("winner", RESEARCH + 'promote = "auto"\n',
                  agent_toml("w", ["bash", "-c", WIN]), COMMON)  # fmt: skip
MINUTES = "0.3"


def refs(repo: Path) -> str:
    """Every ref and what it points at, and the work tree's state."""
    return git(repo, "for-each-ref") + git(repo, "status", "--porcelain", "--ignored")


@pytest.fixture
def runtime() -> Iterator[dict[str, str]]:
    """The environment `orgtui eval` runs in: a private runtime folder, no org of ours."""
    path = Path(tempfile.mkdtemp(prefix="ot", dir="/tmp"))
    path.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(path), **GIT_ENV}
    for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
        env.pop(var, None)
    yield env
    for folder in path.glob("orgtui/*"):  # an org a failed test left up
        name = folder.name.rsplit("-", 1)[0]
        subprocess.run([sys.executable, "-m", "orgtui", "down", "--org", name], env=env,
                       capture_output=True, timeout=60, check=False)  # fmt: skip
    shutil.rmtree(path, ignore_errors=True)


def orgs_on(repo: Path, base: Path, **texts: str) -> list[Path]:
    files = []
    for name, text in texts.items():
        file = base / f"{name}.toml"
        file.write_text(text.replace("{repo}", str(repo)))
        files.append(file)
    return files


def eval_args(out: Path, *files: Path, minutes: str = MINUTES) -> list[str]:
    return [sys.executable, "-m", "orgtui", "eval", *map(str, files), "--minutes", minutes,
            "--out", str(out), "--json"]  # fmt: skip


def test_two_orgs_against_each_other(tmp_path: Path, repo: Path,
                                     runtime: dict[str, str]) -> None:  # fmt: skip
    (repo / "stub.py").write_text(STUB)
    git(repo, "add", "stub.py")
    git(repo, "commit", "-q", "-m", "a stub trainer")
    git(repo, "branch", "program/winner", "main")  # the winner's program exists; steady's not
    git(repo, "branch", "other", "HEAD~1")
    (repo / "notes.txt").write_text("the user's uncommitted work\n")
    head = git(repo, "rev-parse", "main").strip()
    steady, winner = orgs_on(repo, tmp_path, steady=STEADY, winner=WINNER)
    before = refs(repo)
    out = tmp_path / "eval"
    started = time.monotonic()
    proc = subprocess.run(eval_args(out, steady, winner), capture_output=True, text=True,
                          env=runtime, timeout=300)  # fmt: skip
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert list(doc) == ["minutes", "repeats", "interrupted", "orgs"]
    assert (doc["minutes"], doc["repeats"], doc["interrupted"]) == (0.3, 1, False)
    first, second = doc["orgs"]
    assert [o["file"] for o in doc["orgs"]] == [str(steady), str(winner)]
    for org in doc["orgs"]:
        assert list(org) == ["file", "org", "commit", "runs", "auc"]
        assert org["commit"] == head
        [run] = org["runs"]
        for key in ("auc", "improvement", "improvement_sigma", "time_to_first_win",
                    "device_hours_per_win", "false_discoveries", "screening_wins",
                    "verified_wins", "compute_share", "completed", "reason"):  # fmt: skip
            assert key in run, key
        assert run["completed"] is True and run["reason"] is None, run
        assert run["start"]["mean"] is not None  # its baseline ran
        assert org["auc"] == {"mean": run["auc"], "ci": [run["auc"], run["auc"]], "runs": 1}
        folder = Path(run["dir"])
        assert (folder / "work" / "ledger.sqlite").is_file() and (folder / "org.toml").is_file()
        assert run["org"].startswith(org["org"] + "-ev") and run["org"] != org["org"]
    assert first["runs"][0]["verified_wins"] == 0 and first["auc"]["mean"] == 0.0
    won = second["runs"][0]
    assert won["verified_wins"] == 1 and won["screening_wins"] == 1, won
    assert won["auc"] > 0 and won["improvement"] == pytest.approx(1.0, abs=0.1)
    # the files, the plot a valid PNG
    assert json.loads((out / "eval.json").read_text()) == doc
    text = (out / "eval.md").read_text()
    assert "](curves.png)" in text and "| winner | " in text and "| steady | " in text
    png_size(out / "curves.png")
    # the user's repo: the same branches at the same commits, its work tree as it was
    assert refs(repo) == before
    assert not (repo.parent / ".orgtui").exists() and not (tmp_path / ".orgtui").exists()
    # each run's clone started at the program head eval found, and the winner's moved there
    clone = Path(won["dir"]) / "repo"
    assert git(clone, "rev-parse", "program/winner^1").strip() == head
    assert took < 180, took


def test_runs_cut_short_by_a_fault_and_by_ctrl_c(tmp_path: Path,
                                                 runtime: dict[str, str]) -> None:  # fmt: skip
    """Three repeats of an init org: run 1's orgd is killed, eval is interrupted (SIGINT) in
    run 2, run 3 is not made; each says so, none is averaged, and no org is left up."""
    never = tmp_path / "never"  # an init org whose repo does not exist: eval makes its own
    train = ("{python} -c \"import os; s = int(os.environ['ORGTUI_SEED']);"
             " print('val_bpb: %f' % (3 + s % 7 / 100)); print('total_tokens: 10');"
             " print('num_params: 10'); print('flops: 600')\"")  # fmt: skip
    text = (f'[org]\nname = "fresh"\nrepo = "{never}"\ninit = "tinychat"\n\n'
            f"[research]\ntrain = {json.dumps(train)}\nseeds = 3\n\n"
            + agent_toml("idle") + COMMON)  # fmt: skip
    file = tmp_path / "fresh.toml"
    file.write_text(text)
    out = tmp_path / "eval"
    args = [*eval_args(out, file, minutes="1"), "--repeats", "3"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=runtime)  # fmt: skip
    pid_files = Path(runtime["XDG_RUNTIME_DIR"]) / "orgtui"

    def orgd(run: int) -> int:
        """The pid of run `run`'s orgd once `up` has returned (eval writes up.log then)."""
        up_log = out / "1-fresh" / f"run-{run}" / "up.log"

        def found() -> Path | None:
            assert proc.poll() is None, proc.communicate()
            pid = next(pid_files.glob(f"fresh-*-1-{run}-*/orgd.pid"), None)
            return pid if up_log.exists() else None

        return int(wait_for(found, timeout=60, interval=0.2, what=f"run {run}'s orgd")
                   .read_text())  # fmt: skip

    try:
        os.kill(orgd(1), signal.SIGKILL)
        orgd(2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    doc = json.loads(stdout)
    assert doc["interrupted"] is True
    [org] = doc["orgs"]
    first, second, third = org["runs"]
    assert first["completed"] is False and first["reason"].startswith("orgd stopped "), first
    assert second["completed"] is False
    assert second["reason"].startswith("interrupted (Ctrl-C) "), second
    assert third["completed"] is False and third["reason"] == "not run: eval was interrupted"
    assert first["seconds"] < 40 and second["seconds"] < 40
    assert org["auc"] == {"mean": None, "ci": [None, None], "runs": 0}
    assert "cut short: orgd stopped" in stderr
    assert not never.exists()
    assert (out / "sources" / "1-tinychat" / "train.py").is_file()
    text = (out / "eval.md").read_text()
    assert "| fresh | 1 | no |" in text and "| fresh | 3 | no |" in text
    assert "interrupted (Ctrl-C)" in text
    # down ran after both: nothing of either org is left
    assert not list(pid_files.glob("fresh-*"))
    assert "is down" in (out / "1-fresh" / "run-2" / "down.log").read_text()
