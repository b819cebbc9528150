"""Reader for `[scheduler.slurm]` and `[scheduler] shared_dir`: how jobs go to a Slurm cluster.

The file alone is checked here (types, a `shared_dir` that `backend = "slurm"` needs); what
only the cluster can say (the partition exists, its nodes see `shared_dir`, `sbatch` is there)
is checked by `up` (`scheduler/slurm_cluster.py`).
"""

from __future__ import annotations

from pathlib import Path

from orgtui.config.model import SlurmSection
from orgtui.config.tables import Table, describe
from orgtui.config.texts import resolve_path

SLURM_KEYS = ("partition", "account", "qos", "constraint", "sbatch_args", "python", "setup",
              "requeue", "max_jobs")  # fmt: skip
MAX_SLURM_JOBS = 10_000


def read_slurm(table: Table, backend: str) -> tuple[Path | None, SlurmSection]:
    """`[scheduler] shared_dir` (absolute, relative ones against the org file) and
    `[scheduler.slurm]`."""
    shared = table.optional_string("shared_dir")
    if shared is not None and not shared.strip():
        table.fail("shared_dir", "'shared_dir' must not be empty")
    if backend == "slurm" and shared is None:
        table.fail(
            "backend",
            'backend = "slurm" needs [scheduler] shared_dir: a folder the cluster\'s nodes see '
            "(job checkouts, logs and orgtui's wrapper go there)",
        )
    shared_dir = None if shared is None else resolve_path(table.context.directory, shared)
    sub = table.subtable("slurm", "[scheduler.slurm]")
    if sub is None:
        return shared_dir, SlurmSection()
    sub.check_keys(SLURM_KEYS)
    python = sub.string("python", "python3")
    if not python.strip():
        sub.fail("python", "'python' must not be empty")
    return shared_dir, SlurmSection(
        partition=_word(sub, "partition"),
        account=_word(sub, "account"),
        qos=_word(sub, "qos"),
        constraint=sub.string("constraint", ""),
        sbatch_args=_strings(sub, "sbatch_args"),
        python=python,
        setup=_setup(sub),
        requeue=sub.boolean("requeue", True),
        max_jobs=sub.integer("max_jobs", 16, minimum=1, maximum=MAX_SLURM_JOBS),
    )


def _word(table: Table, key: str) -> str:
    value = table.string(key, "")
    if value != value.strip() or any(c.isspace() for c in value):
        table.fail(key, f"'{key}' must be one name without spaces, not {value!r}")
    return value


def _strings(table: Table, key: str) -> tuple[str, ...]:
    if not table.has(key):
        return ()
    value = table.raw(key)
    if not isinstance(value, list):
        table.fail(key, f"'{key}' must be a list of strings, not {describe(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            table.context.fail(
                (*table.path_of(key), index), f"'{key}' items must be strings, not {describe(item)}"
            )
    return tuple(value)


def _setup(table: Table) -> tuple[str, ...]:
    """A string (one or more lines) or a list of lines."""
    if table.has("setup") and isinstance(table.raw("setup"), str):
        return tuple(line for line in table.string("setup", "").splitlines() if line.strip())
    return _strings(table, "setup")
