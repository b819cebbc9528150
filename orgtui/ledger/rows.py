"""The ledger's rows as typed values: a job (`JobRow`), a group of seeds (`GroupRow`), a queued
job as the dispatcher reads it (`Waiting`), one change of a job's state (`Event`). Made only by `ledger/`, from SQLite rows;
everything above the ledger reads attributes, never columns."""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from typing import Any, NamedTuple

from orgtui.enums import JobKind, JobState


@dataclass(frozen=True, slots=True)
class JobRow:
    """One job as the ledger holds it (the `jobs` table's columns)."""

    id: int
    agent: str
    """The agent who submitted it, or `@<ritual>` for the org's own jobs."""
    name: str
    kind: JobKind
    group_id: int
    """The group of seeds it is one of."""
    state: JobState
    exit_code: int | None
    reason: str
    intent: str
    """The outcome orgd decided before it signalled the job (`cancelled`), or ''."""
    queued_at: float
    started_at: float | None
    ended_at: float | None
    device: str
    """The devices it held, comma-separated."""
    device_type: str
    gpus: int
    priority: int
    branch: str
    commit: str
    reproducible: bool
    seed: int | None
    budget_time: float
    budget_flops: float | None
    command: list[str]
    workdir: str
    pid: int | None
    """Its wrapper's pid while it runs."""
    pid_start: int | None
    wall_seconds: float | None
    device_seconds: float | None
    tokens: float | None
    flops: float | None
    params: float | None
    peak_mem_mb: float | None
    metrics: dict[str, float]
    description: str
    token: str = ""
    """The name its submitter gave the submit, so a client whose answer did not come can
    find the job (`ledger.store.submitted`); '' for orgd's own jobs."""
    reference: int | None = None
    """Its group's reference group (read with the group)."""
    slurm_job: str = ""
    """Its Slurm job id ('' for a local job)."""
    slurm_state: str = ""
    """Its state as Slurm last said (PENDING, RUNNING, ...)."""
    partition: str = ""
    node: str = ""
    """The node it ran on (Slurm)."""
    slurm_queued_at: float | None = None
    """When Slurm took it (its `started_at` is when it started on the node)."""

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> JobRow:
        data: dict[str, Any] = {k: row[k] for k in row.keys() if k in _JOB_FIELDS}  # noqa: SIM118
        data["kind"] = JobKind(data["kind"])
        data["state"] = JobState(data["state"])
        data["reproducible"] = bool(data["reproducible"])
        data["command"] = json.loads(data["command"])
        data["metrics"] = json.loads(data["metrics"] or "{}")
        return cls(**data)

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(d for d in self.device.split(",") if d)


_JOB_FIELDS = frozenset(JobRow.__dataclass_fields__)
"""A ledger made by an earlier orgtui may hold columns no longer read (`baseline_id`)."""


@dataclass(frozen=True, slots=True)
class GroupRow:
    """The seeds of one change (the `groups` table): same snapshot, command, budget; orgd's
    seeds. Experiments are judged against their `reference` group."""

    id: int
    kind: JobKind
    agent: str
    commit: str
    """The branch commit its snapshot was taken on (its place in the history)."""
    snapshot: str
    """The commit its jobs ran (the snapshot; equal to `commit` for a baseline)."""
    clean: bool
    """Its snapshot had no uncommitted edits: it may serve as a stacked reference."""
    budget_time: float
    budget_flops: float | None
    seeds: int
    reference: int | None
    comparison: int | None
    """Which comparison against its reference this is (k of the reference's M)."""
    description: str
    created_at: float
    verdict: str | None
    """The verdict's word, None while not judged (and for groups never judged)."""
    judgement: dict[str, Any]
    """The verdict's JSON (`judge.Verdict.to_json`); {} while not judged."""
    told: bool
    """Its agent was told the final verdict."""

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> GroupRow:
        data: dict[str, Any] = dict(zip(row.keys(), row, strict=True))
        data["kind"] = JobKind(data["kind"])
        data["clean"] = bool(data["clean"])
        data["told"] = bool(data["told"])
        data["judgement"] = json.loads(data["judgement"] or "{}")
        return cls(**data)


class Waiting(NamedTuple):
    """A queued job as the dispatcher needs it."""

    id: int
    agent: str
    gpus: int
    priority: int
    queued_at: float
    reproducible: bool
    commit: str


@dataclass(frozen=True, slots=True)
class Event:
    """A job entered `state` at `at` (unix seconds), with why."""

    at: float
    state: JobState
    detail: str


def encode_job(fields: dict[str, Any]) -> dict[str, Any]:
    """A job's fields as its columns hold them."""
    out = dict(fields)
    if isinstance(out.get("metrics"), dict):  # JSON, and SQLite's json_extract, have no NaN
        out["metrics"] = {k: v for k, v in out["metrics"].items()
                          if not isinstance(v, float) or math.isfinite(v)}  # fmt: skip
    for key in ("metrics", "command"):
        if key in out and not isinstance(out[key], str):
            out[key] = json.dumps(out[key])
    if "reproducible" in out:
        out["reproducible"] = int(bool(out["reproducible"]))
    return out
