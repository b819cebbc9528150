"""The cluster policy and the ends only Slurm knows, on a real Slurm: `dedicated` keeps one
job per agent in Slurm (the next waits in orgtui's queue), `status` shows each Slurm job's id,
state and node; a job cancelled in Slurm by someone else ends `cancelled` saying so; a job
whose setup lines fail before orgtui's wrapper runs ends `failed`, pointing at its log."""

from __future__ import annotations

import subprocess

from tests.helpers import wait_for
from tests.slurm.test_slurm_jobs import ended, org, show, submit, up


def test_dedicated_and_ends_only_slurm_knows(write_org, orgtui, repo, shared_dir):
    flag = shared_dir.parent / "fail-setup"
    setup = [f"if [ -e {flag} ]; then echo setup failed >&2; exit 3; fi"]
    up(write_org, orgtui, repo, org(shared_dir, mode="dedicated", setup=setup))
    a1, a2 = (submit(orgtui, "--agent", "a", "--", "python3", "train.py", "1") for _ in "12")
    b1 = submit(orgtui, "--agent", "b", "--", "python3", "train.py", "60")
    wait_for(lambda: show(orgtui, b1)["state"] == "running", timeout=30)
    second = show(orgtui, a2)
    if show(orgtui, a1)["state"] in ("queued", "running"):
        assert second["state"] == "queued" and second["slurm"] is None  # not in Slurm yet
    text = orgtui("status").stdout
    slurm_id = show(orgtui, b1)["slurm"]["job"]
    assert f"job {b1}: Slurm job {slurm_id} RUNNING on " in text, text
    first, second = ended(orgtui, a1), ended(orgtui, a2)
    assert first["state"] == second["state"] == "ok"
    assert second["slurm"]["queued_at"] >= first["ended_at"] - 0.5  # submitted after a1 ended
    subprocess.run(["scancel", slurm_id], check=True)  # someone else's scancel
    gone = ended(orgtui, b1)
    assert (gone["state"], gone["reason"]) == ("cancelled", "cancelled in Slurm (scancel)")
    flag.touch()
    broken = ended(orgtui, submit(orgtui, "--agent", "b", "--", "true"))
    assert broken["state"] == "failed" and "batch script ended" in broken["reason"], broken
    assert "setup failed" in orgtui("job", "logs", str(broken["id"])).stdout
