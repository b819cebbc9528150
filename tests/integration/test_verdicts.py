"""The ledger judges every result, on a real orgd training the real tinychat on 2 CPU slots at
a FLOPs budget of 5e10 (16 steps, a few seconds a run): the baseline ritual makes the
baseline, and an agent's groups are judged against it when their last seed ends. A change
that does nothing is not better; one that stops learning is worse; a run that says nothing of
its compute is invalid, and one that spent more FLOPs is `more_compute`, whatever their
metric; a nanochat log fills every compute field of its job; the verdict is what `group wait`
and `job submit --wait` print last, and what the agent is told, in one line, in its pane; an
agent cannot make a baseline nor pick an experiment's seed.

One org serves the whole module: every group is queued when it starts (in this order: the
no-op, the one that stops learning, the nanochat log, the one without compute), so the
slots stay busy and each test waits only for its own group."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orgtui.enums import JobKind
from orgtui.protocol.client import call
from orgtui.protocol.jobs import JobSubmit
from orgtui.protocol.messages import RequestError
from tests.conftest import Orgtui, git
from tests.helpers import agent_toml, org_toml, wait_for

NANOCHAT_LOG = Path(__file__).resolve().parents[1] / "data" / "nanochat_base_train.log"
ORG = org_toml(
    "verdicts",
    """
    [research]
    train = "{python} train.py --flops {flops} --seed {seed} --threads 1"
    seeds = 3
    """,
    agent_toml("a"),
    """
    [scheduler]
    devices = "cpu"
    cpu_slots = 2
    mode = "pool"
    flops_budget = 5e10
    time_budget = "2m"

    [[process]]
    name = "baseline"
    kind = "baseline"
    every = "2s"
    """,
)
NO_LEARNING = {"lr = 0.01\n": "lr = 0.0\n", "muon_lr = 0.02\n": "muon_lr = 0.0\n"}
"""train.py's two learning rates set to 0: nothing learns."""
FINAL = ("better", "worse", "within_noise", "more_compute", "invalid")


@dataclass
class Org:
    run: Orgtui
    file: Path
    repo: Path
    tree: Path
    """Agent a's worktree."""
    status: dict
    baseline: int
    """The baseline group of the program head."""
    noop: int
    noop_wait: subprocess.Popen[str]
    """`job submit --seeds 3 --wait` of the no-op, still printing."""
    no_learning: int
    nanochat: int
    no_compute: int

    def group(self, gid: int) -> dict:
        return json.loads(self.run("group", "show", str(gid), "--json").stdout)

    def judged(self, gid: int, timeout: float = 240) -> dict:
        """Group `gid` once its verdict is final."""
        return wait_for(
            lambda: (g := self.group(gid))["verdict"] and g["verdict"]["verdict"] in FINAL and g,
            timeout=timeout, interval=0.5, what=f"group {gid}'s verdict",
        )  # fmt: skip

    def screen(self) -> str:
        """Agent a's pane with its history, wrapped lines joined."""
        return subprocess.run(
            ["tmux", "-S", self.status["tmux_socket"], "capture-pane", "-p", "-J", "-S", "-2000",
             "-t", "=verdicts:=a"], capture_output=True, text=True,
        ).stdout  # fmt: skip


def _submit(org_run: Orgtui, tree: Path, *args: str) -> dict:
    """`orgtui job submit --json ARGS` from agent a's worktree, as in its pane."""
    env = {"ORGTUI_AGENT": "a"}
    return json.loads(org_run("job", "submit", "--json", *args, cwd=tree, env=env).stdout)


def _edit(path: Path, changes: dict[str, str]) -> str:
    """Apply `changes` (old text: new text) to `path`; its text before."""
    before = text = path.read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)
    return before


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    base = tmp_path_factory.mktemp("verdicts")
    runtime = Path(tempfile.mkdtemp(prefix="ot", dir="/tmp"))
    runtime.chmod(0o700)
    run = Orgtui(runtime)
    repo = base / "tiny"
    run("init", str(repo))
    file = base / "org.toml"
    file.write_text(ORG.replace("{repo}", str(repo)))
    file.chmod(0o644)
    run("up", str(file))
    noop_wait = None
    try:
        status = run.status()
        tree = Path(status["agents"][0]["worktree"])
        head = git(repo, "rev-parse", "program/verdicts").strip()

        def baseline() -> int | None:
            groups = json.loads(run("group", "ls", "--json").stdout)
            return next((g["id"] for g in groups if g["kind"] == "baseline"), None)

        ref = wait_for(baseline, timeout=30, what="the baseline ritual's group")
        # The no-op first: the baseline's first comparison. Its submit waits for the verdict.
        noop_wait = subprocess.Popen(
            [sys.executable, "-m", "orgtui", "job", "submit", "--seeds", "3", "--wait",
             "--description", "no change"],
            cwd=tree, env={**run.env, "ORGTUI_AGENT": "a"}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert noop_wait.stdout is not None
        noop = int(noop_wait.stdout.readline())  # the group's id, first and alone
        before = _edit(tree / "train.py", NO_LEARNING)
        no_learning = _submit(run, tree, "--seeds", "2", "--description", "lr 0")["group"]
        (tree / "train.py").write_text(before)  # the snapshot was taken: the worktree is free
        nanochat = _submit(run, tree, "--name", "nanochat", "--", "cat", str(NANOCHAT_LOG))
        no_compute = _submit(run, tree, "--reference", str(ref), "--",
                             "python3", "-c", "print('val_bpb: 2.5')")  # fmt: skip
        assert git(tree, "rev-parse", "HEAD").strip() == head
        yield Org(run, file, repo, tree, status, ref, noop, noop_wait, no_learning,
                  nanochat["group"], no_compute["group"])  # fmt: skip
    finally:
        if noop_wait is not None and noop_wait.poll() is None:
            noop_wait.kill()
            noop_wait.communicate()
        run("down", "--org", str(file), check=False, timeout=60)
        shutil.rmtree(runtime, ignore_errors=True)


# -- the verdicts ---------------------------------------------------------------------------


def test_a_change_that_does_nothing_is_not_better(org: Org):
    group = org.judged(org.noop)
    assert group["kind"] == "experiment" and group["clean"] is True
    assert group["reference"] == org.baseline
    baseline = org.group(org.baseline)
    assert baseline["kind"] == "baseline" and baseline["agent"] == "@baseline"
    assert (
        baseline["commit"]
        == group["commit"]
        == git(org.repo, "rev-parse", "program/verdicts").strip()
    )
    assert len(baseline["jobs"]) == 3 and len(set(baseline["seeds"])) == 3
    # orgd drew three seeds of its own, none of the baseline's
    assert len(set(group["seeds"])) == 3 and not set(group["seeds"]) & set(baseline["seeds"])
    v = group["verdict"]
    assert v["verdict"] != "better", v
    assert v["verdict"] in ("within_noise", "worse"), v
    assert v["metric"] == "val_bpb" and v["goal"] == "minimize"
    assert v["comparisons"] == "1/20"
    assert v["sigma"] > 0 and v["df"] >= 4  # 2 df from each group of 3 at this budget
    low, high = v["ci"]
    assert low < v["delta"] < high
    assert abs(v["delta"] - (v["mean"] - v["reference_mean"])) < 1e-9
    # The same code at the same FLOPs budget trains the same steps: the same FLOPs and tokens.
    assert v["compute_ratio"]["flops"] == pytest.approx(1.0)
    assert v["compute_ratio"]["tokens"] == pytest.approx(1.0)
    assert v["compute_ratio"]["params"] == pytest.approx(1.0)
    assert "more_params" not in v["flags"]
    runs = {r["id"]: r for r in group["runs"]}
    assert sorted(runs) == group["jobs"] and all(r["state"] == "ok" for r in runs.values())
    assert all(r["group"] == org.noop and r["reference"] == org.baseline for r in runs.values())


def test_a_change_that_stops_learning_is_worse(org: Org):
    group = org.judged(org.no_learning)
    v = group["verdict"]
    assert v["verdict"] == "worse", v
    assert group["reference"] == org.baseline and group["clean"] is False
    assert v["delta"] > 1.0 and v["ci"][0] > 0  # much higher val_bpb: it learned nothing
    assert v["compute_ratio"]["flops"] == pytest.approx(1.0)
    assert v["reason"].endswith(": worse")
    # what was judged is the change as submitted, not the worktree as it is now
    for run in group["runs"]:
        train = git(org.repo, "show", f"{run['commit']}:train.py")
        assert "\nlr = 0.0\n" in train and "\nmuon_lr = 0.0\n" in train
    assert "\nlr = 0.01\n" in (org.tree / "train.py").read_text()


def test_a_run_that_reports_no_compute_is_invalid_never_a_win(org: Org):
    group = org.judged(org.no_compute)
    v = group["verdict"]
    assert group["reference"] == org.baseline  # the one it asked for, at its budget
    # val_bpb 2.5 beats every tinychat run at this budget, and still is no win.
    assert v["verdict"] == "invalid" and v["mean"] == 2.5, v
    assert v["reason"].startswith("missing compute:"), v["reason"]
    assert "reported no tokens/params" in v["reason"]
    (job,) = group["runs"]
    assert job["compute"]["tokens"] is None and job["compute"]["wall_seconds"] > 0


def test_a_nanochat_log_fills_every_compute_field_and_more_flops_is_more_compute(org: Org):
    group = org.judged(org.nanochat)
    (job,) = group["runs"]
    c = job["compute"]
    assert c["tokens"] == 204_800 and c["flops"] == 1.288549e12 and c["params"] == 1_966_134
    # The log says 0.00MiB (nanochat on a CPU): the peak memory is the harness's measure.
    assert c["peak_mem_mb"] > 0
    assert c["wall_seconds"] > 0 and c["device_seconds"] == c["wall_seconds"]  # one device
    m = job["metrics"]
    assert m["val_bpb"] == 2.187931  # its minimum validation bpb
    assert m["training_seconds"] == pytest.approx(1.82 * 60)
    assert m["num_steps"] == 50
    assert 1400 < m["tok_per_sec"] < 1500  # the mean of its step lines
    # Its val_bpb is far below the baseline's; its FLOPs are 26 times the baseline's.
    v = group["verdict"]
    assert v["verdict"] == "more_compute", v
    assert v["mean"] < v["reference_mean"] and v["compute_ratio"]["flops"] > 20
    assert "more_params" in v["flags"]  # 2M parameters against tinychat's 131k


# -- what is printed and told ---------------------------------------------------------------


def test_submit_wait_and_group_wait_print_the_verdict_last(org: Org):
    out, err = org.noop_wait.communicate(timeout=240)
    assert org.noop_wait.returncode == 0, err
    lines = out.splitlines()
    jobs = org.group(org.noop)["jobs"]
    # each seed's end as it comes, then the verdict, last
    assert sorted(line.split()[1] for line in lines[:-1]) == [str(j) for j in jobs], out
    assert lines[-1].startswith(f"group {org.noop} (jobs {jobs[0]}-{jobs[-1]}): "), out
    assert lines[-1].split(": ", 1)[1].startswith(("within noise, val_bpb", "worse, val_bpb"))

    waited = org.run("group", "wait", str(org.no_learning), timeout=240)
    assert waited.returncode == 0
    lines = waited.stdout.splitlines()
    jobs = org.group(org.no_learning)["jobs"]
    assert sorted(line.split()[1] for line in lines[:-1]) == [str(j) for j in jobs], lines
    assert lines[-1].startswith(f"group {org.no_learning} (jobs {jobs[0]}-{jobs[-1]}): worse, ")
    assert " ± " in lines[-1] and "1.00x FLOPs" in lines[-1]


def test_the_agent_is_told_each_verdict_in_one_line(org: Org):
    for gid in (org.noop, org.no_learning, org.nanochat, org.no_compute):
        org.judged(gid)
    noop, worse = org.group(org.noop), org.group(org.no_learning)

    def told() -> str:
        screen = org.screen()
        wanted = (f"# orgtui: group {org.noop} (jobs ", f"# orgtui: group {org.no_learning} ",
                  f"· group {org.nanochat}: more compute", f"· group {org.no_compute}: invalid")  # fmt: skip
        return screen if all(w in screen for w in wanted) else ""

    screen = wait_for(told, timeout=60, what="every verdict told in agent a's pane")
    # what orgd typed into the shell, as comments (after the shell's prompt)
    notices = [
        line[line.index("# orgtui: ") :] for line in screen.splitlines() if "# orgtui: " in line
    ]
    mine = [line for line in notices if line.startswith(f"# orgtui: group {org.noop} ")]
    assert len(mine) == 1, notices
    span = f"{noop['jobs'][0]}-{noop['jobs'][-1]}"
    word = noop["verdict"]["verdict"].replace("_", " ")
    assert mine[0].startswith(f"# orgtui: group {org.noop} (jobs {span}): {word}, val_bpb ")
    assert ", 1.00x FLOPs" in mine[0] and mine[0].endswith(f" (orgtui group show {org.noop})")
    assert len([n for n in notices if n.startswith(f"# orgtui: group {org.no_learning} (")]) == 1
    # A group's seeds are told together, in that one line: none of them alone.
    for job in noop["jobs"] + worse["jobs"]:
        assert not [n for n in notices if n.startswith(f"# orgtui: job {job} ")], notices
    # A group of one is told as its job, with the verdict on the same line.
    (alone,) = [n for n in notices if f"· group {org.no_compute}: " in n]
    job = org.group(org.no_compute)["jobs"][0]
    assert alone.startswith(f"# orgtui: job {job} ok · val_bpb 2.5 · ")
    assert f"(orgtui job show {job}, orgtui group show {org.no_compute}) · group " in alone
    assert alone.endswith(f": invalid: missing compute: job {job} reported no tokens/params")


# -- what an agent may not do ---------------------------------------------------------------


def test_an_agent_cannot_make_a_baseline_nor_pick_an_experiments_seed(org: Org):
    before = len(json.loads(org.run("job", "ls", "--json").stdout))
    env = {"ORGTUI_AGENT": "a"}
    out = org.run("job", "submit", "--kind", "baseline", check=False, cwd=org.tree, env=env)
    assert out.returncode == 2 and "--kind baseline: only orgd makes baselines" in out.stderr
    out = org.run("job", "submit", "--seed", "7", check=False, cwd=org.tree, env=env)
    assert out.returncode == 2
    assert "--seed: orgd draws the seeds of an experiment" in out.stderr
    out = org.run("baseline", check=False, cwd=org.tree, env=env)
    assert out.returncode == 2 and "only orgd makes baselines" in out.stderr
    # orgd refuses them too, from a client that skips the CLI's checks.
    sock = Path(org.status["tmux_socket"]).parent / "orgd.sock"
    for kind, seed, said in ((JobKind.BASELINE, None, "only orgd makes baselines"),
                             (JobKind.EXPERIMENT, 7, "orgd draws the seeds")):  # fmt: skip
        request = JobSubmit(agent="a", cwd=str(org.tree), kind=kind, seed=seed)
        with pytest.raises(RequestError, match=said):
            call(sock, request, timeout=30)
    # a job of kind other names its seed
    other = _submit(org.run, org.tree, "--kind", "other", "--seed", "7", "--", "true")
    assert other["seed"] == 7 and other["kind"] == "other"
    assert len(json.loads(org.run("job", "ls", "--json").stdout)) == before + 1
