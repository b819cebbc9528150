"""The org's training command for one run: `research.train` with its fields filled.

The budgets reach the command exactly: a whole number is written as one (`300`, for the
commands whose options take an int), any other as the shortest text that reads back as the
same float (`1.5e-05`, `1288549000000.5`), never rounded to six digits.

`{launch}` (the first word, before a module) expands per job: `python -m MODULE ARGS` for a
job of one device, `torchrun --standalone --nproc_per_node=N -m MODULE -- ARGS` for one of N
(torchrun consumes the `--`; through python it would reach the script's argparse). Both
`python` and `torchrun` are the ones on the job's PATH, which `[research] path` begins
(`job_path`): the research code's own environment, never orgtui's."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import MutableMapping

from orgtui.config.model import OrgConfig
from orgtui.protocol.messages import BAD_REQUEST, RequestError

_LAUNCH = "\x00orgtui-launch\x00"
"""What `{launch}` is filled with before the command is split (no command holds a NUL)."""


def exact_number(value: float) -> str:
    """`value` as text that `float()` reads back exactly: whole numbers below a million as
    integers (`300`), the rest in the shortest exponent form that reads back (`5e+11`,
    `1.288549e+12`)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    for digits in range(17):
        text = f"{value:.{digits}e}"
        if float(text) == value:
            return text
    return repr(value)


def launch(gpus: int, module: str, args: list[str]) -> list[str]:
    """The argv that runs `python -m module args` on `gpus` devices: one process for one,
    torchrun's N processes (one per device in CUDA_VISIBLE_DEVICES) for N."""
    if gpus <= 1:
        return ["python", "-m", module, *args]
    return ["torchrun", "--standalone", f"--nproc_per_node={gpus}", "-m", module, "--", *args]


def job_path(cfg: OrgConfig, env: MutableMapping[str, str]) -> None:
    """Put `[research] path` first on `env`'s PATH (the job's environment)."""
    if cfg.research.path:
        first = os.pathsep.join(str(p) for p in cfg.research.path)
        rest = env.get("PATH", os.defpath)
        env["PATH"] = f"{first}{os.pathsep}{rest}" if rest else first


def train_command(
    cfg: OrgConfig, time: float, flops: float | None, seed: int, gpus: int = 1
) -> list[str]:
    """The argv of a run of the org's `research.train` at the time budget `time` (seconds),
    the FLOPs budget `flops` and the seed `seed`, on `gpus` devices; a RequestError (bad
    request) when the org has no training command or it does not fill."""
    train = cfg.research.train
    if not train:
        raise RequestError(
            f"no command given, and {cfg.file.name} has no [research] train to run: "
            "pass one after `--`, or set research.train",
            BAD_REQUEST,
        )
    if flops is None and "{flops}" in train:
        raise RequestError(
            f"research.train uses {{flops}} and this job has no FLOPs budget: give one with "
            f"--flops, or set [scheduler] flops_budget in {cfg.file.name}",
            BAD_REQUEST,
        )
    fields = {
        "python": shlex.quote(sys.executable),
        "time": exact_number(time),
        "flops": "" if flops is None else exact_number(flops),
        "seed": str(seed),
        "launch": _LAUNCH,
    }
    try:
        argv = shlex.split(train.format(**fields))
    except (KeyError, IndexError, ValueError) as e:
        raise RequestError(f"research.train {train!r}: {e}", BAD_REQUEST) from None
    if _LAUNCH not in "".join(argv):
        return argv
    if argv[0] != _LAUNCH or len(argv) < 2 or _LAUNCH in "".join(argv[1:]):
        raise RequestError(
            f"research.train {train!r}: {{launch}} must be the first word, before a module",
            BAD_REQUEST,
        )
    return launch(gpus, argv[1], argv[2:])
