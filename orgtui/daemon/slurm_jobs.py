"""orgd's jobs on a Slurm cluster (`[scheduler] backend = "slurm"`): the local jobs' queue,
ledger, budgets, metrics and notices, with Slurm running them.

A job goes to Slurm when the cluster policy (`scheduler/slurm_policy.py`) says so: its
snapshot is checked out under `shared_dir` and it is submitted (`scheduler/slurm.py`); it
stays `queued` (its Slurm state PENDING) until orgtui's wrapper starts it on a node, and is
`running` from then, its start on the node being `started_at`: the time it waited in Slurm's
queue is never charged. Its log is read from `shared_dir` as it grows.

orgd learns of a start or an end from the wrapper's files (`started`, `status`, looked at as
`daemon/slurm_looks.py` says) and of what only Slurm knows (Slurm's time limit, a node failure,
a requeue, an outside cancel, a script that failed before the wrapper ran) from one `squeue` of
the org's jobs every `QUEUE_POLL` seconds, or at once when the wrapper says it was stopped from
outside. Slurm's states map to ours: PENDING → queued, RUNNING → running, COMPLETED → the
wrapper's outcome, TIMEOUT → timeout, CANCELLED → cancelled, NODE_FAIL / BOOT_FAIL / PREEMPTED
→ lost, OUT_OF_MEMORY / FAILED → failed, with the reason; a requeued job (with `requeue =
true`) is queued again and runs again from its start.

A new orgd finds the org's jobs again by their Slurm job names (`squeue`), else by the
wrapper's status file; a job Slurm no longer knows that left no status is `lost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from orgtui.config.model import SchedulerSection
from orgtui.daemon import slurm_status
from orgtui.daemon.job_run import Running, note_in_log
from orgtui.daemon.jobs import KILL_AFTER, JobsHost
from orgtui.daemon.slurm_looks import Looks
from orgtui.daemon.slurm_telemetry import SlurmTelemetry
from orgtui.enums import JobState, Outcome
from orgtui.ledger.rows import JobRow
from orgtui.ledger.store import WriteError
from orgtui.scheduler import slurm_cluster
from orgtui.scheduler.devices import Device
from orgtui.scheduler.metrics import MetricParser
from orgtui.scheduler.policy import Queued
from orgtui.scheduler.slurm import WAITING, SlurmJob, SlurmRunner, SubmitError, slurm_end
from orgtui.scheduler.slurm_policy import to_submit
from orgtui.workspace.snapshot import prune_checkouts

log = logging.getLogger("orgd.slurm")
QUEUE_POLL = 2.0
"""Seconds between `squeue`s for what only Slurm knows."""
ASK_AGAIN = 0.2
"""Seconds at least between `squeue`s asked for early."""
NODES_POLL = 10.0
"""Seconds between readings of the partition's nodes (their GPUs, state and GPUs in use)."""
STATUS_GRACE = 3.0
"""Seconds a job Slurm says ended may take to show its wrapper's status (a shared
filesystem's attribute cache) before orgd decides it left none."""


class SlurmJobs(SlurmTelemetry):
    """The org's jobs, run by Slurm."""

    def __init__(self, orgd: JobsHost) -> None:
        super().__init__(orgd)
        sched = self.sched
        assert sched.shared_dir is not None  # the config refuses slurm without it
        folder = orgd.rt.dir.name  # <org>-<hash>: one folder per org file in shared_dir
        partition, _ = slurm_cluster.partition_nodes(sched.slurm.partition)
        self.slurm = SlurmRunner(sched.shared_dir / folder, f"orgtui.{folder}", sched.slurm,
                                 partition)  # fmt: skip
        self.slurm.install()
        self.runner = self.slurm
        self.checkouts.dir = self.slurm.jobs_dir
        self.devices, self.devices_from = slurm_cluster.devices(sched.slurm.partition)
        self.on_node: dict[int, int] = {}
        """Running jobs' attempt (Slurm's restart count) whose start orgd recorded."""
        self.slurm_state: dict[int, str] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._ask_now = False
        """Ask Slurm on the next look (a job stopped from outside, a cancel)."""
        self._no_status: dict[int, float] = {}
        self.looks = Looks(KILL_AFTER)
        self._finishing: set[int] = set()
        self._next_nodes = time.monotonic() + NODES_POLL
        log.info("devices: %s; jobs go to %s", self.devices_from, self.slurm.base)

    def status(self) -> dict[str, Any]:
        out = super().status()
        out["running"] = sorted(self.on_node)
        out["cluster"] = slurm_status.cluster(self)
        return out

    async def tick(self) -> None:
        """The local tick (metrics from the logs in shared_dir, the disk), and the devices as
        Slurm reports them now (a node down or drained leaves the pool)."""
        await super().tick()
        if time.monotonic() >= self._next_nodes:
            self._next_nodes = time.monotonic() + NODES_POLL
            try:
                found = await asyncio.to_thread(slurm_cluster.devices, self.slurm.partition)
            except slurm_cluster.ClusterError as e:
                log.warning("Slurm's nodes not read: %s", e)
            else:
                self.devices, self.devices_from = found

    # -- starting again ---------------------------------------------------------------

    async def adopt(self) -> None:
        """Take over the jobs a previous orgd left in Slurm."""
        await asyncio.to_thread(prune_checkouts, self.orgd.cfg.org.repo)
        known = await self.slurm.queue() or {}
        rows = self.ledger.jobs(states=[JobState.RUNNING, JobState.QUEUED])
        for row in rows:
            slurm_id = row.slurm_job or (known[row.id].id if row.id in known else "")
            if not slurm_id:
                continue  # never submitted: it waits in orgtui's queue
            run = self._watch(row, slurm_id)
            if not row.slurm_job:  # the last orgd stopped between sbatch and recording it
                self.writes.write(row.id, slurm_job=slurm_id, partition=self.slurm.partition)
            if not (self.slurm.folder(row.id) / "spec.json").exists():
                await self._prepare(row, run)  # ... or before its checkout was made
            if row.state == JobState.RUNNING:
                started = self.slurm.started(row.id) or {}
                self.on_node[row.id] = int(started.get("restart", 0))
            log.info("job %d: Slurm job %s, watching it again", row.id, slurm_id)
        self._ask_now = True
        self._ensure_watcher()

    def _watch(self, row: JobRow, slurm_id: str) -> Running:
        src = self.checkouts.src(row.id) if row.reproducible else None
        run = Running(row.agent, row.devices, src, MetricParser(self.sched.metrics),
                      stopping=row.intent)  # fmt: skip
        self.running[row.id] = run
        self.slurm.ids[row.id] = slurm_id
        self.looks.watch(row.id, time.monotonic(), row.budget_time + self.sched.grace)
        return run

    def _ensure_watcher(self) -> None:
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch_loop())

    # -- dispatch ---------------------------------------------------------------------

    async def dispatch(self) -> None:
        """Submit what the cluster policy lets go to Slurm now."""
        async with self._dispatch_lock:
            if self.writes.blocked or self.orgd.shutting_down:
                return
            queued = self.ledger.queue(skip=list(self.running))
            if not queued:
                return
            plan = to_submit(
                [Queued(q.id, q.agent, q.gpus, q.priority, q.queued_at) for q in queued],
                list(self.orgd.agents),
                self.sched.mode,
                Counter(run.agent for run in self.running.values()),
                self.sched.slurm.max_jobs,
            )
            for q in plan:
                row = self.ledger.get(int(q.id))
                if row is not None:
                    await self._submit(row)

    async def _submit(self, row: JobRow) -> None:
        job = row.id
        run = self._watch(row, "")
        self.slurm.ids.pop(job, None)
        self._ensure_watcher()
        cwd = run.src or Path(row.workdir)
        limit = row.budget_time + self.sched.grace
        gpus = slurm_cluster.gres_gpus(row.gpus, self.devices)
        try:
            slurm_id = await self.slurm.submit(job, cwd=cwd, env=self._slurm_env(row),
                                               limit=limit, gpus=gpus, kill_after=KILL_AFTER)  # fmt: skip
        except SubmitError as e:
            note_in_log(self.slurm.log_path(job), f"orgtui: Slurm refused the job: {e}\n")
            await self.finish(job, reason=f"Slurm refused it: {e}", redispatch=False)
            return
        except Exception as e:  # no folder, no sbatch: the job fails
            log.exception("job %d was not submitted", job)
            note_in_log(self.slurm.log_path(job), f"orgtui: the job was not submitted: {e}\n")
            await self.finish(job, reason=f"not submitted: {e}", redispatch=False)
            return
        self.slurm_state[job] = "PENDING"
        self.writes.write(job, slurm_job=slurm_id, slurm_state="PENDING",
                          partition=self.slurm.partition, slurm_queued_at=time.time())  # fmt: skip
        log.info("job %d (%s) submitted: Slurm job %s", job, row.agent, slurm_id)
        if await self._prepare(row, run) and run.stopping:  # cancelled while sbatch ran
            await self.slurm.cancel(job)

    async def _prepare(self, row: JobRow, run: Running) -> bool:
        """Check the job's snapshot out (while Slurm schedules it: a second or more) and let
        its batch script go on; False if that failed (the job is cancelled in Slurm, failed)."""
        cwd = run.src or Path(row.workdir)
        try:
            if run.src is not None:
                await self.checkouts.make(row.id, row.commit)
            self.slurm.ready(row.id, row.command, cwd, row.budget_time + self.sched.grace,
                             KILL_AFTER)  # fmt: skip
        except Exception as e:
            log.exception("job %d did not start", row.id)
            await self.slurm.cancel(row.id)
            note_in_log(self.slurm.log_path(row.id), f"orgtui: the job did not start: {e}\n")
            await self.finish(row.id, reason=f"did not start: {e}", redispatch=False)
            return False
        return True

    def _slurm_env(self, row: JobRow) -> dict[str, str]:
        """The job's environment as locally, less the GPUs: Slurm sets those on the node."""
        return self._env(row, [Device(id="slurm", kind="gpu", index=0, name="slurm")])

    def configure(
        self, sched: SchedulerSection, devices: tuple[list[Device], str] | None = None
    ) -> None:
        """An edited `[scheduler]`, for jobs submitted from now on: `[scheduler.slurm]` but
        the partition (an edit of it, of `backend` or of `shared_dir` is refused by the reload
        plan: they apply at `up`); the devices stay the partition's."""
        super().configure(sched)
        self.slurm.slurm = sched.slurm

    # -- watching -----------------------------------------------------------------------

    async def _watch_loop(self) -> None:
        asked = next_queue = 0.0
        while True:
            try:
                await self._look()
                now = time.monotonic()
                soon = self._ask_now and now >= asked + ASK_AGAIN
                if self.running and (now >= next_queue or soon):
                    self._ask_now = False
                    asked, next_queue = now, now + QUEUE_POLL
                    await self._ask()
            except Exception:  # one bad look must not end the watching
                log.exception("watching Slurm jobs")
            wait = min(self.looks.wait(time.monotonic()), ASK_AGAIN)
            await asyncio.sleep(wait)  # (never wait_for: in 3.11 it can swallow a cancel)

    async def _look(self) -> None:
        """The wrapper's files: a start on the node, an end."""
        for job in self.looks.due(list(self.running), time.monotonic()):
            run = self.running.get(job)
            if run is None:
                continue
            started = self.slurm.started(job) if job not in self.on_node else None
            if started is not None:
                self._on_node(job, run, started)
            status = self.slurm.ended(job)
            if status is None:
                continue
            if status.get("terminated") and not run.stopping:
                self._ask_now = True  # stopped from outside: Slurm says why
            else:
                await self.finish(job)

    def _on_node(self, job: int, run: Running, started: dict[str, object]) -> None:
        attempt = int(str(started.get("restart") or 0))
        node = str(started.get("node", ""))
        gpus = [g for g in str(started.get("gpus", "")).split(",") if g]
        run.devices = tuple(f"{node}:gpu{g}" for g in gpus) or (node,)
        self.on_node[job] = attempt
        self.slurm_state[job] = "RUNNING"
        at = float(str(started.get("at") or time.time()))
        self.looks.changed(job, time.monotonic(), started=max(0.0, time.time() - at))
        self.writes.write(job, f"started on {node}", state=JobState.RUNNING, started_at=at,
                          node=node, device=",".join(run.devices), slurm_state="RUNNING",
                          device_type="gpu" if gpus else "cpu")  # fmt: skip
        log.info("job %d: started on %s (GPUs %s)", job, node, ",".join(gpus) or "none")

    async def _ask(self) -> None:
        """One squeue: what Slurm says of each watched job."""
        asked = {job: self.slurm.ids[job] for job in self.running if self.slurm.ids.get(job)}
        seen = await self.slurm.queue()
        if seen is None:
            return  # slurmctld did not answer: ask again next time
        for job, slurm_id in asked.items():
            run = self.running.get(job)
            if run is None:
                continue
            now = seen.get(job)
            if now is None or now.id != slurm_id:
                if self.slurm.ended(job) is None and not run.stopping:  # forgotten, no status
                    run.stopping = "lost:Slurm no longer knows it and its wrapper left no status"
                await self.finish(job)
                continue
            if now.state != self.slurm_state.get(job):  # Slurm started (or requeued) it
                self.looks.changed(job, time.monotonic())
            await self._slurm_says(job, run, now)

    async def _slurm_says(self, job: int, run: Running, now: SlurmJob) -> None:
        state = now.state.split()[0].rstrip("+")
        if state != self.slurm_state.get(job) and state != "COMPLETING":
            self.slurm_state[job] = state
            with contextlib.suppress(WriteError):
                self.ledger.update(job, slurm_state=state, node=now.node)
        if state in WAITING or state == "RUNNING":
            if job in self.on_node and now.restarts > self.on_node[job]:
                await self._requeued(job, run, now)
            return
        if state == "COMPLETING":
            return
        status = self.slurm.ended(job)
        said = slurm_end(state, status)
        if not run.stopping and said is not None:
            run.stopping = f"{said[0]}:{said[1]}"
        elif not run.stopping and status is None:
            # A shared filesystem may show the wrapper's status a moment after Slurm's end.
            first = self._no_status.setdefault(job, time.monotonic())
            if time.monotonic() - first < STATUS_GRACE:
                return
            code = await self.slurm.exit_code(now.id)
            run.stopping = (f"failed:its batch script ended ({state}, exit {code or '?'}) before "
                            "orgtui's wrapper said how the job ended: see its log")  # fmt: skip
        await self.finish(job)

    async def _requeued(self, job: int, run: Running, now: SlurmJob) -> None:
        """Slurm put the job back in its queue (preemption, `scontrol requeue`): it is queued
        again and will run from its start; the next attempt's log is read afresh. With
        `requeue = false` it is not run again: cancelled in Slurm, it ends `lost`, saying so."""
        if not self.slurm.slurm.requeue:
            if not run.stopping:
                why = (f"requeued by Slurm (restart {now.restarts}), and [scheduler.slurm] "
                       "requeue = false: cancelled, not run again")  # fmt: skip
                note_in_log(self.slurm.log_path(job), f"orgtui: {why}\n")
                await self.stop(job, Outcome.LOST, why)
            return
        attempt = self.on_node.pop(job, 0)
        status = self.slurm.ended(job)
        if status is not None and status.get("terminated"):  # the stopped attempt's
            (self.slurm.folder(job) / "status").unlink(missing_ok=True)
        if int(str((self.slurm.started(job) or {}).get("restart", 0))) <= attempt:
            (self.slurm.folder(job) / "started").unlink(missing_ok=True)
        run.parser = MetricParser(self.sched.metrics)
        with contextlib.suppress(OSError):
            run.offset = self.slurm.log_path(job).stat().st_size
        why = f"requeued by Slurm (restart {now.restarts}): it runs again from its start"
        note_in_log(self.slurm.log_path(job), f"orgtui: {why}\n")
        self.writes.write(job, why, state=JobState.QUEUED, started_at=None, node="",
                          slurm_state=now.state, metrics={})  # fmt: skip
        log.info("job %d: %s", job, why)

    # -- stopping ---------------------------------------------------------------------

    async def cancel(self, job: int) -> JobState:
        if job in self.running:
            await self.stop(job, Outcome.CANCELLED, "cancelled")
            return JobState.CANCELLED
        return await super().cancel(job)

    async def stop(self, job: int, end: Outcome, reason: str) -> None:
        """scancel the job; its outcome is decided (and recorded) first."""
        run = self.running.get(job)
        if run is None or run.stopping:
            return
        run.stopping = f"{end}:{reason}"
        self.writes.write(job, reason, intent=run.stopping, reason=reason)
        await self.slurm.cancel(job)
        self._ask_now = True
        self.looks.changed(job, time.monotonic())

    async def stop_all(self, reason: str, wait: bool = False) -> None:
        for row in self.ledger.jobs(states=[JobState.QUEUED]):
            if row.id not in self.running:
                self.writes.write(row.id, reason, state=JobState.CANCELLED, reason=reason,
                                  ended_at=time.time())  # fmt: skip
        if not wait:
            for job in list(self.running):
                await self.stop(job, Outcome.CANCELLED, reason)
        for run in list(self.running.values()):
            await run.ended.wait()

    async def finish(self, job: int, reason: str = "", redispatch: bool = True) -> None:
        """Record the job's end once (a scancel of what Slurm may still run comes first,
        during which the watcher must not end it again)."""
        if job in self._finishing:
            return
        self._finishing.add(job)
        try:
            self.on_node.pop(job, None)
            self.slurm_state.pop(job, None)
            self._no_status.pop(job, None)
            await super().finish(job, reason, redispatch)
        finally:
            self._finishing.discard(job)

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await super().close()
