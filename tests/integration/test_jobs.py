"""Jobs on a real orgd with real processes on CPU slots: at most one job per slot, the code
as submitted, budgets and timeouts, cancel, bad input, the agent told, `down`, and an orgd
killed mid-job that re-adopts it without losing anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from orgtui.control.procs import alive
from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

RESEARCH = """
[research]
train = "python3 train.py --time {time} --seed {seed}"
"""
SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 2
mode = "pool"
time_budget = "30s"
max_time = "2m"
grace = "1s"
"""
ORG = org_toml("jobby", RESEARCH, agent_toml("a"), agent_toml("b"), SCHEDULER)

TRAIN = """\
import os, sys, time
print("started", time.time(), flush=True)
print("seed", os.environ["ORGTUI_SEED"], "slot cuda", repr(os.environ["CUDA_VISIBLE_DEVICES"]))
print("version", open("version.txt").read().strip())
time.sleep(float(os.environ.get("SLEEP", "0.3")))
print("val_bpb: 0.9979")
print("ended", time.time(), flush=True)
"""


def up(write_org, orgtui, repo: Path, text: str = ORG) -> dict:
    (repo / "train.py").write_text(TRAIN)
    (repo / "version.txt").write_text("v1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "train")
    orgtui("up", str(write_org(text)))
    return orgtui.status()


def submit(orgtui, *args: str, cwd: Path | None = None) -> dict:
    out = orgtui("job", "submit", "--json", *args, cwd=cwd)
    return json.loads(out.stdout)


def show(orgtui, job: int) -> dict:
    return json.loads(orgtui("job", "show", str(job), "--json").stdout)


def ended(orgtui, job: int) -> dict:
    return wait_for(lambda: (j := show(orgtui, job))["state"] not in ("queued", "running") and j,
                    timeout=60, what=f"job {job} to end")  # fmt: skip


def test_eight_jobs_on_two_slots_never_more_than_two_at_once(write_org, orgtui, repo):
    up(write_org, orgtui, repo)
    jobs = [submit(orgtui, "--agent", "ab"[i % 2], "--", "sh", "-c", "sleep 0.4")["id"]
            for i in range(8)]  # fmt: skip
    done = [ended(orgtui, j) for j in jobs]
    assert all(j["state"] == "ok" for j in done)
    events = sorted([(j["started_at"], 1) for j in done] + [(j["ended_at"], -1) for j in done])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak == 2  # both slots used, never a third job
    assert {j["device"] for j in done} == {"cpu0", "cpu1"}


def test_a_job_runs_the_code_as_submitted(write_org, orgtui, repo, tmp_path):
    status = up(write_org, orgtui, repo)
    tree = Path(next(a["worktree"] for a in status["agents"] if a["name"] == "a"))
    (tree / "version.txt").write_text("v2 (submitted)\n")
    (tree / "extra.py").write_text("print('new file')\n")  # untracked: in the snapshot too
    job = submit(
        orgtui,
        "--time",
        "30s",
        "--",
        "sh",
        "-c",
        "sleep 1; cat version.txt; python3 extra.py",
        cwd=tree,
    )  # fmt: skip  (the agent from the worktree it runs in)
    assert job["agent"] == "a" and job["reproducible"] is True
    (tree / "version.txt").write_text("v3 (edited after submit)\n")
    done = ended(orgtui, job["id"])
    log = Path(done["log"]).read_text()
    assert "v2 (submitted)" in log and "new file" in log and "v3" not in log
    # The snapshot is kept; the agent's own branch and index are not touched.
    assert git(repo, "cat-file", "-t", done["commit"]).strip() == "commit"
    assert git(repo, "rev-parse", f"refs/orgtui/jobs/{job['id']}").strip() == done["commit"]
    assert "extra.py" in git(tree, "status", "--porcelain")  # still untracked
    assert not (tmp_path / ".orgtui" / "jobby" / "jobs" / str(job["id"]) / "src").exists()


def test_research_train_and_metrics(write_org, orgtui, repo):
    up(write_org, orgtui, repo)
    # Only a job of kind other names its own seed (orgd draws an experiment's).
    out = orgtui("job", "submit", "--agent", "b", "--kind", "other", "--seed", "7", "--time",
                 "20s", "--wait", "--description", "baseline, seed 7")  # fmt: skip
    lines = out.stdout.splitlines()
    assert lines[0].isdigit()  # the id first, alone
    assert "seed 7 slot cuda ''" in out.stdout and "val_bpb=0.9979" in lines[-1]
    job = show(orgtui, int(lines[0]))
    assert job["command"] == ["python3", "train.py", "--time", "20", "--seed", "7"]
    assert job["metrics"]["val_bpb"] == 0.9979 and job["budget"]["time"] == 20
    assert job["compute"]["wall_seconds"] > 0.2 and job["compute"]["device_seconds"] > 0.2
    results = orgtui("results", "--tsv").stdout.splitlines()
    assert results[0].startswith("commit\tval_bpb\tmemory_gb\tstatus\tdescription")
    # one row per group: a group of kind other has no verdict, its status is its kind; the
    # memory is the harness's measure (the job printed none): a python3 that slept, 0.0 GB
    row = results[1].split("\t")
    assert row[1:5] == ["0.9979", "0.0", "other", "baseline, seed 7"], row


def test_timeout_cancel_and_a_missing_command(write_org, orgtui, repo):
    up(write_org, orgtui, repo)
    slow = submit(
        orgtui, "--agent", "a", "--time", "1s", "--", "sh", "-c", "trap '' TERM; sleep 60"
    )
    stuck = submit(orgtui, "--agent", "b", "--", "sleep", "60")
    wait_for(lambda: show(orgtui, stuck["id"])["state"] == "running")
    orgtui("job", "cancel", str(stuck["id"]))
    missing = submit(orgtui, "--agent", "b", "--", "no-such-program-xyz")
    timed = ended(orgtui, slow["id"])
    assert timed["state"] == "timeout" and timed["compute"]["wall_seconds"] < 15  # 1s + 1s + kill
    cancelled = ended(orgtui, stuck["id"])
    assert cancelled["state"] == "cancelled"
    gone = ended(orgtui, missing["id"])
    assert gone["state"] == "failed"
    assert "cannot run 'no-such-program-xyz'" in Path(gone["log"]).read_text()
    queued = submit(orgtui, "--agent", "a", "--", "sleep", "1")  # may be running already
    orgtui("job", "cancel", str(queued["id"]))
    assert ended(orgtui, queued["id"])["state"] == "cancelled"


def test_bad_input_exits_2_and_queues_nothing(write_org, orgtui, repo, tmp_path):
    no_train = org_toml("jobby", "[research]", agent_toml("a"), agent_toml("b"), SCHEDULER)
    up(write_org, orgtui, repo, no_train)
    cases = [
        (["--agent", "zed", "--", "true"], "no agent named 'zed'"),
        (["--agent", "a"], "no command given"),
        (["--agent", "a", "--gpus", "3", "--", "true"], "--gpus 3: the org has 2 devices"),
        (["--agent", "a", "--time", "0s", "--", "true"], "more than 0"),
        (["--agent", "a", "--time", "soon", "--", "true"], "invalid duration 'soon'"),
        (["--agent", "a", "--time", "3m", "--", "true"], "more than the org's max_time (2m)"),
        (["--agent", "a", "--kind", "wild", "--", "true"], "one of baseline, experiment"),
        (["--", "true"], "which agent's job is it?"),
    ]
    for args, message in cases:
        out = orgtui("job", "submit", *args, check=False, cwd=tmp_path)
        assert out.returncode == 2, (args, out.stderr)
        assert message in out.stderr, (args, out.stderr)
    assert json.loads(orgtui("job", "ls", "--json").stdout) == []
    assert orgtui("job", "show", "99", check=False).returncode == 2


def test_the_agent_is_told_and_down_stops_running_jobs(write_org, orgtui, repo):
    status = up(write_org, orgtui, repo)
    job = submit(orgtui, "--agent", "a", "--", "sh", "-c", "echo val_bpb: 1.25")
    ended(orgtui, job["id"])

    def told() -> bool:
        screen = subprocess.run(["tmux", "-S", status["tmux_socket"], "capture-pane", "-p", "-J",
                                 "-t", "=jobby:=a"], capture_output=True, text=True).stdout  # fmt: skip
        return f"# orgtui: job {job['id']} ok · val_bpb 1.25" in screen

    wait_for(told, timeout=30, what="the agent told")
    long = submit(orgtui, "--agent", "b", "--", "sleep", "60")
    wait_for(lambda: show(orgtui, long["id"])["state"] == "running")
    orgtui("down", "jobby")
    orgtui("up", str(status["file"]))
    after = show(orgtui, long["id"])
    assert after["state"] == "cancelled" and after["reason"] == "org down"


def test_orgd_killed_mid_job_is_readopted_and_nothing_is_lost(write_org, orgtui, repo):
    status = up(write_org, orgtui, repo)
    running = submit(orgtui, "--agent", "a", "--", "sh", "-c", "sleep 3; echo val_bpb: 0.5")
    short = submit(orgtui, "--agent", "b", "--", "sh", "-c", "sleep 0.5; echo val_bpb: 0.7")
    wait_for(lambda: show(orgtui, running["id"])["state"] == "running")
    os.kill(status["daemon_pid"], signal.SIGKILL)
    wait_for(lambda: not alive({status["daemon_pid"]}))
    short_status = Path(running["log"]).parent / str(short["id"]) / "status"
    wait_for(short_status.exists, timeout=20, what="the short job to end while orgd is down")
    orgtui("up", str(status["file"]))  # a new orgd: re-adopts
    assert show(orgtui, running["id"])["state"] == "running"
    first, second = ended(orgtui, running["id"]), ended(orgtui, short["id"])
    assert (first["state"], first["metrics"]) == ("ok", {"val_bpb": 0.5})
    assert (second["state"], second["metrics"]) == ("ok", {"val_bpb": 0.7})
    # Its devices are free again: the next job starts.
    assert ended(orgtui, submit(orgtui, "--agent", "a", "--", "true")["id"])["state"] == "ok"
