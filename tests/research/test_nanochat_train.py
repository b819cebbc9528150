"""The shipped nanochat orgs (orgs/solo8.toml, orgs/chief.toml) as a user runs them: `orgtui
validate` passes, and their `train` command, filled as orgd fills it for a job of one device
and of two, runs against the stand-in base_train (upstream's options: a flag upstream would
refuse fails here) in a repo made by `orgtui init --task nanochat`, by the `python` (and
`torchrun`) on the job's PATH, and its log fills every compute field. `{launch}` is checked
when the org file is read."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgtui.config import ConfigError, load_org
from orgtui.config.model import OrgConfig
from orgtui.daemon.train import train_command
from orgtui.scheduler.metrics import MetricParser
from tests.research.test_nanochat_init import nanochat_clone
from tests.unit.test_config_examples import REPO_ROOT

ORGS = ("solo8.toml", "chief.toml")
COMPUTE = ("total_tokens", "flops", "num_params", "num_steps", "peak_mem_mb", "val_bpb")


@pytest.fixture(scope="module")
def research(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A research repo made by `orgtui init --task nanochat` from a stand-in clone."""
    base = tmp_path_factory.mktemp("nanochat")
    source = nanochat_clone(base / "nanochat")
    repo = base / "research"
    subprocess.run([sys.executable, "-m", "orgtui", "init", "--task", "nanochat", "--from",
                    str(source), str(repo)], check=True, capture_output=True)  # fmt: skip
    return repo


@pytest.mark.parametrize("name", ORGS)
def test_the_shipped_org_validates(name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "orgtui", "validate", str(REPO_ROOT / "orgs" / name)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{REPO_ROOT / 'orgs' / name}: ok")


@pytest.mark.parametrize("gpus", [1, 2])
@pytest.mark.parametrize("name", ORGS)
def test_the_shipped_train_command_runs_upstreams_base_train(
    research: Path, name: str, gpus: int
) -> None:
    cfg = load_org(REPO_ROOT / "orgs" / name)
    flops = cfg.scheduler.flops_budget
    assert flops is not None
    argv = train_command(cfg, cfg.scheduler.time_budget, flops, 777, gpus)
    launcher = ["python", "-m"] if gpus == 1 else ["torchrun", "--standalone",
                                                    "--nproc_per_node=2", "-m"]  # fmt: skip
    assert argv[: len(launcher) + 1] == [*launcher, "scripts.base_train"]
    assert (argv[len(launcher) + 1] == "--") == (gpus > 1)  # where torchrun takes it, only
    # The job's PATH: this test's environment (python and torchrun) stands in for nanochat's.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "PATH": path, "ORGTUI_SEED": "777", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(argv, cwd=research, capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "orgtui stand-in: seed 777" in done.stdout
    assert f"world size {gpus}," in done.stdout
    metrics = MetricParser(cfg.scheduler.metrics).feed(done.stdout)
    assert set(COMPUTE) <= set(metrics), metrics
    # The run's length came from the FLOPs budget: its FLOPs are the budget, to a step.
    assert "Calculated number of iterations from target FLOPs" in done.stdout
    assert metrics["flops"] == pytest.approx(flops, rel=0.01)


def _with_train(cfg: OrgConfig, train: str) -> OrgConfig:
    return dataclasses.replace(cfg, research=dataclasses.replace(cfg.research, train=train))


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ("python -m scripts.base_train -- --depth=12", "python hands the `--` to the script"),
        ("{python} -m scripts.base_train -- --depth=12", "only torchrun consumes it"),
        ("{launch} scripts.base_train -- --depth=12", "drop the `--` after the module"),
        ("nice {launch} scripts.base_train", "{launch} must be the first word"),
        ("{launch} --depth=12", "{launch} must be followed by the module to run"),
        ("{launch}", "{launch} must be followed by the module to run"),
    ],
)
def test_a_train_command_that_cannot_launch_is_refused(
    tmp_path: Path, train: str, message: str
) -> None:
    org = tmp_path / "org.toml"
    org.write_text(f'[org]\nname = "x"\nrepo = "."\n\n[research]\ntrain = "{train}"\n\n'
                   '[[agent]]\nname = "a"\ncommand = "bash"\n')  # fmt: skip
    with pytest.raises(ConfigError, match=r"org\.toml:6:9: .*") as error:
        load_org(org)
    assert message in str(error.value)


def test_init_from_belongs_to_init_nanochat(tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    agent = '[[agent]]\nname = "a"\ncommand = "bash"\n'
    org.write_text(f'[org]\nname = "x"\nrepo = "r"\ninit = "nanochat"\n\n{agent}')
    with pytest.raises(ConfigError, match='init = "nanochat" needs init_from'):
        load_org(org)
    org.write_text(f'[org]\nname = "x"\nrepo = "r"\ninit_from = "../n"\n\n{agent}')
    with pytest.raises(ConfigError, match="init_from is the nanochat clone of init"):
        load_org(org)
    org.write_text(f'[org]\nname = "x"\nrepo = "r"\ninit = "nanochat"\ninit_from = "../n"\n\n'
                   f'[research]\npath = ["../n/.venv/bin"]\n\n{agent}')  # fmt: skip
    cfg = load_org(org)
    assert cfg.org.init_from == tmp_path.parent / "n" and cfg.org.base == "orgtui/nanochat"
    assert cfg.research.path == (tmp_path.parent / "n" / ".venv" / "bin",)
    one = train_command(_with_train(cfg, "{launch} m --x={seed}"), 60, None, 5, 1)
    assert one == ["python", "-m", "m", "--x=5"]
    three = train_command(_with_train(cfg, "{launch} m --x={seed}"), 60, None, 5, 3)
    assert three == ["torchrun", "--standalone", "--nproc_per_node=3", "-m", "m", "--", "--x=5"]
