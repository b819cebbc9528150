"""The org's training command for one run: `research.train` with its fields filled."""

from __future__ import annotations

import shlex
import sys

from orgtui.config.model import OrgConfig
from orgtui.protocol.messages import BAD_REQUEST, RequestError


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
    fields = {
        "python": shlex.quote(sys.executable),
        "time": f"{time:g}",
        "flops": "" if flops is None else f"{flops:g}",
        "seed": str(seed),
    }
    try:
        return shlex.split(train.format(**fields))
    except (KeyError, IndexError, ValueError) as e:
        raise RequestError(f"research.train {train!r}: {e}", BAD_REQUEST) from None
