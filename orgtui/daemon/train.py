"""The org's training command for one run: `research.train` with its fields filled.

The budgets reach the command exactly: a whole number is written as one (`300`, for the
commands whose options take an int), any other as the shortest text that reads back as the
same float (`1.5e-05`, `1288549000000.5`), never rounded to six digits."""

from __future__ import annotations

import shlex
import sys

from orgtui.config.model import OrgConfig
from orgtui.protocol.messages import BAD_REQUEST, RequestError


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


def train_command(cfg: OrgConfig, time: float, flops: float | None, seed: int) -> list[str]:
    """The argv of a run of the org's `research.train` at the time budget `time` (seconds),
    the FLOPs budget `flops` and the seed `seed`; a RequestError (bad request) when the org
    has no training command or it does not fill."""
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
    }
    try:
        return shlex.split(train.format(**fields))
    except (KeyError, IndexError, ValueError) as e:
        raise RequestError(f"research.train {train!r}: {e}", BAD_REQUEST) from None
