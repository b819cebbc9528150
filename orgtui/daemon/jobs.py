"""orgd's jobs: the queue, the devices, dispatch, the end of each job, and re-adoption.

A submitted job is snapshotted (`workspace.snapshot`) and recorded `queued` with its commit
(`daemon/submit.py`). Whenever a device may have freed or a job arrived, `dispatch` asks the
policy which jobs start and where; each is recorded `running` on its devices before its
process starts, gets a detached checkout of its snapshot, and runs through the local
runner's wrapper. Its end (awaited on the wrapper this orgd started, or seen in the status
file by the tick for a re-adopted one) is recorded with its outcome, compute and metrics
before its device is freed and its agent is told; a disk too full to record it delays only
the record (`daemon/job_writes.py`), and no job starts until there is space again. A job
orgd gives up on (its wrapper died without a status) has its process group killed before
its devices free. A new orgd re-adopts what ran: running jobs whose wrapper still lives are
watched again, ones that ended meanwhile get their status, the rest are `lost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from orgtui.agents.launch import agent_env
from orgtui.config.model import OrgConfig, SchedulerSection
from orgtui.config.runtime import OrgRuntime
from orgtui.daemon.agent import Agent
from orgtui.daemon.compute import job_compute
from orgtui.daemon.job_checkouts import Checkouts
from orgtui.daemon.job_run import Running, job_env, note_in_log, outcome
from orgtui.daemon.job_writes import JobWrites
from orgtui.daemon.train import job_path
from orgtui.enums import JobState, Outcome
from orgtui.ledger.rows import JobRow
from orgtui.ledger.store import Ledger, WriteError
from orgtui.scheduler import devices as devs
from orgtui.scheduler.cpu_telemetry import CpuTelemetry
from orgtui.scheduler.local import LocalRunner
from orgtui.scheduler.metrics import MetricParser
from orgtui.scheduler.policy import Queued, decide
from orgtui.workspace.snapshot import prune_checkouts, remove_checkout

log = logging.getLogger("orgd.jobs")
KILL_AFTER = 5.0  # seconds from SIGTERM to SIGKILL when a job is stopped


class JobsHost(Protocol):
    """What the jobs need of orgd: the org's settings (as edited while it runs), its agents
    (whose environment a job inherits), whether the org is going down (then nothing new
    starts), and what follows a job's end once it is recorded (`job_ended`: its group is
    judged and its agent told)."""

    @property
    def cfg(self) -> OrgConfig: ...
    @property
    def rt(self) -> OrgRuntime: ...
    @property
    def agents(self) -> Mapping[str, Agent]: ...
    @property
    def shutting_down(self) -> bool: ...
    def job_ended(self, job: int) -> None: ...


class Jobs:
    """The org's jobs, from the queue to their end, on the org's devices."""

    def __init__(self, orgd: JobsHost) -> None:
        self.orgd = orgd
        cfg = orgd.cfg
        self.sched = cfg.scheduler
        self.dir = cfg.org.workdir / "jobs"
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.ledger = Ledger(cfg.org.workdir / "ledger.sqlite")
        self.writes = JobWrites(self.ledger, cfg.org.workdir)
        self.runner = LocalRunner(self.dir)
        self.devices, self.devices_from = devs.discover(self.sched.devices, self.sched.cpu_slots)
        self.cpu = CpuTelemetry()
        self.last_metrics = self._load_last_metrics()
        self.running: dict[int, Running] = {}
        self.checkouts = Checkouts(cfg.org.repo, self.dir)
        self.finished = asyncio.Condition()
        self._dispatch_lock = asyncio.Lock()
        log.info("devices: %s", self.devices_from)

    def configure(
        self, sched: SchedulerSection, devices: tuple[list[devs.Device], str] | None = None
    ) -> None:
        """An edited `[scheduler]`, for jobs queued from now on; running jobs keep their
        devices (`devices`: found again when the edit changed them)."""
        self.sched = sched
        if devices is not None:
            self.devices, self.devices_from = devices
            log.info("devices: %s", self.devices_from)

    # -- facts ------------------------------------------------------------------------

    def device(self, device_id: str) -> devs.Device:
        return next(d for d in self.devices if d.id == device_id)

    def last_metric(self, agent: str) -> float | None:
        """The agent's latest `ok` job's value of the org's metric."""
        return self.last_metrics.get(agent)

    def _load_last_metrics(self) -> dict[str, float]:
        """Each agent's latest `ok` value of the org's metric, from the ledger (once, at
        start; `finish` keeps it current, so `status` every second costs no query)."""
        return self.ledger.last_metrics(self.orgd.cfg.research.metric)

    def disk_error(self) -> str | None:
        """Why jobs cannot be recorded or started now (a full disk), or None."""
        return self.writes.error()

    def sharing(self) -> str:
        agents, n = len(self.orgd.agents), len(self.devices)
        if self.sched.mode == "dedicated" and agents > n:
            return f"{agents} agents share {n} devices round-robin (agent i gets device i mod {n})"
        return ""

    def status(self) -> dict[str, Any]:
        busy = {d: job for job, r in self.running.items() for d in r.devices}
        return {
            "mode": self.sched.mode,
            "backend": self.sched.backend,
            "devices_from": self.devices_from,
            "sharing": self.sharing(),
            "devices": [{**d.to_json(), "job": busy.get(d.id)} for d in self.devices],
            "queued": self.ledger.queued_ids(),
            "running": sorted(self.running),
        }

    # -- starting again ---------------------------------------------------------------

    async def adopt(self) -> None:
        """Take over the jobs a previous orgd left running."""
        await asyncio.to_thread(prune_checkouts, self.orgd.cfg.org.repo)  # its half-removed
        await asyncio.to_thread(self.runner.remove_specs)
        for row in self.ledger.jobs(states=[JobState.RUNNING]):
            job = row.id
            held = row.devices
            src = self.checkouts.src(job) if row.reproducible else None
            run = Running(
                row.agent, held, src, MetricParser(self.sched.metrics), stopping=row.intent
            )
            self.running[job] = run
            if self.runner.ended(job) is None and self.runner.alive(row.pid, row.pid_start):
                log.info("job %d: still running (wrapper %s), watching it again", job, row.pid)
                run.watch = asyncio.get_running_loop().create_task(self._poll_end(job))
            else:
                await self.finish(job)  # ended meanwhile (its status) or gone (lost)

    async def _poll_end(self, job: int) -> None:
        while self.runner.ended(job) is None:
            run = self.running.get(job)
            if run is None:
                return
            row = self.ledger.get(job)
            if row and not self.runner.alive(row.pid, row.pid_start):
                await asyncio.sleep(0.2)  # its last write may be landing
                break
            await asyncio.sleep(0.5)
        await self.finish(job)

    # -- dispatch ---------------------------------------------------------------------

    async def dispatch(self) -> None:
        """Start what can start now."""
        async with self._dispatch_lock:
            busy = [d for r in self.running.values() for d in r.devices]
            if not {d.id for d in self.devices if not d.lost} - set(busy):
                return  # nothing free: nothing starts (the queue is not even read)
            if self.writes.blocked:
                return  # a full disk: the tick dispatches again once there is space
            queued = self.ledger.queue(per_group=len(self.devices))
            if not queued:
                return
            per_agent: dict[str, int] = {}
            for run in self.running.values():
                per_agent[run.agent] = per_agent.get(run.agent, 0) + 1
            plan = decide(
                [Queued(q.id, q.agent, q.gpus, q.priority, q.queued_at) for q in queued],
                [d.id for d in self.devices],
                list(self.orgd.agents),
                self.sched.mode,
                busy=busy,
                running=per_agent,
                lost=[d.id for d in self.devices if d.lost],
            )
            for assignment in plan:
                row = self.ledger.get(int(assignment.job))
                if row is not None and not await self._start(row, assignment.devices):
                    return  # its start could not be recorded: it stays queued
            started = {a.job for a in plan}
            self.checkouts.prepare([q for q in queued if q.id not in started], len(self.devices))

    async def _start(self, row: JobRow, held: tuple[str, ...]) -> bool:
        """Start a job on `held`; False if its start could not be recorded (it stays
        queued)."""
        job = row.id
        kind = self.device(held[0]).kind
        try:
            self.ledger.update(
                job,
                state=JobState.RUNNING,
                started_at=time.time(),
                device=",".join(held),
                device_type=kind,
            )
        except WriteError as e:
            self.writes.failed(f"job {job} could not start: {e}")
            return False
        src = self.checkouts.src(job) if row.reproducible else None
        run = Running(row.agent, held, src, MetricParser(self.sched.metrics))
        self.running[job] = run
        try:
            if src is not None:
                await self.checkouts.make(job, row.commit)
            started = await self.runner.start(
                job,
                argv=row.command,
                cwd=src or Path(row.workdir),
                env=self._env(row, [self.device(d) for d in held]),
                limit=row.budget_time + self.sched.grace,
                cores=self.device(held[0]).cores if kind == "cpu" else (),
                kill_after=KILL_AFTER,
            )
        except Exception as e:  # no checkout, no wrapper: the job fails, its device frees
            log.exception("job %d did not start", job)
            note_in_log(self.runner.log_path(job), f"orgtui: the job did not start: {e}\n")
            # Inside dispatch (its lock held): the dispatch that called this goes on by itself.
            await self.finish(job, reason=f"did not start: {e}", redispatch=False)
            return True
        self.writes.write(job, pid=started.pid, pid_start=started.pid_start)
        log.info(
            "job %d (%s) started on %s, wrapper %d", job, row.agent, ",".join(held), started.pid
        )
        run.watch = asyncio.get_running_loop().create_task(self._await_end(job, started.ended))
        return True

    async def _await_end(self, job: int, ended: asyncio.Event) -> None:
        lost = asyncio.ensure_future(self.runner.launcher_lost.wait())
        done = asyncio.ensure_future(ended.wait())
        await asyncio.wait([lost, done], return_when=asyncio.FIRST_COMPLETED)
        lost.cancel()
        if done.done():
            await self.finish(job)
        else:  # the launcher went: the status file will say
            done.cancel()
            await self._poll_end(job)

    def _env(self, row: JobRow, devices: list[devs.Device]) -> dict[str, str]:
        """The job's environment on `devices` (`job_env`, with its agent's pane's)."""
        agent = self.orgd.agents.get(row.agent)
        pane = None
        if agent is not None:
            pane = agent_env(self.orgd.cfg, self.orgd.rt, agent.spec, agent.worktree)
        env = job_env(row, devices, pane)
        job_path(self.orgd.cfg, env)  # the research code's own python first, for every job
        return env

    # -- ending -----------------------------------------------------------------------

    async def finish(self, job: int, reason: str = "", redispatch: bool = True) -> None:
        """Record how the job ended (or keep the record until the disk takes it), then free
        its devices and tell its agent. A job that left no status has its process group
        killed first: nothing of it runs on a device handed to the next job."""
        run = self.running.get(job)
        row = self.ledger.get(job)
        if run is None or row is None:
            return
        status = self.runner.ended(job)
        gone = ""
        if status is None:
            killed = await self.runner.kill_job(job)
            wrapper = f"its wrapper (pid {row.pid})" if row.pid else "its wrapper"
            left = "the job's processes were killed" if killed else "no process of the job was left"
            gone = f"{wrapper} died without saying how the job ended; {left}"
        elif status.get("records_error"):
            self.writes.failed(
                f"job {job}'s status could not be written: {status['records_error']}"
            )
        state, exit_code, why = outcome(status, run.stopping, reason, row.budget_time, gone)
        metrics = run.read_metrics(self.runner.log_path(job), final=True)
        ended = (status or {}).get("ended_at") or time.time()
        wall = max(0.0, ended - (row.started_at or ended))
        landed = self.writes.write(
            job, why, ends=True, state=state, exit_code=exit_code, reason=why, ended_at=ended,
            **job_compute(metrics, status, wall, len(run.devices)), metrics=metrics,
        )  # fmt: skip
        self.running.pop(job, None)
        self.runner.forget(job)
        run.ended.set()
        value = metrics.get(self.orgd.cfg.research.metric)
        if state == Outcome.OK and value is not None:
            self.last_metrics[run.agent] = value
        log.info("job %d: %s (%s)%s", job, state, why, "" if landed else ", not yet recorded")
        async with self.finished:
            self.finished.notify_all()
        if landed:
            self._told(job)
        if redispatch and not self.orgd.shutting_down:
            await self.dispatch()  # the next job first, then the clearing up
        if run.src is not None:
            await asyncio.to_thread(remove_checkout, run.src)

    def _told(self, job: int) -> None:
        """The job's end is in the ledger: its group is judged, its agent hears of it."""
        self.orgd.job_ended(job)

    async def tick(self) -> None:
        """Once a second: the disk (what waits to be recorded), metrics so far, the devices'
        telemetry."""
        blocked = self.writes.blocked
        landed = self.writes.check()  # on the loop: the ledger's connection is not shared
        for job in landed:
            self._told(job)
        if landed:
            async with self.finished:
                self.finished.notify_all()
        if blocked and not self.writes.blocked and not self.orgd.shutting_down:
            await self.dispatch()
        for job, run in list(self.running.items()):
            before = dict(run.parser.metrics)
            metrics = run.read_metrics(self.runner.log_path(job))
            if metrics != before:
                with contextlib.suppress(WriteError):  # its end will record them all
                    self.ledger.update(job, metrics=metrics)
        await self.sample_devices()

    async def sample_devices(self) -> None:
        """This machine's devices' telemetry (GPUs' from NVML, CPU slots' from /proc), and
        the jobs on a GPU NVML reports lost (another backend reads its devices its own way)."""
        if any(d.kind == "cpu" for d in self.devices):
            held = {d: job for job, run in self.running.items() for d in run.devices}
            await asyncio.to_thread(self.cpu.sample, self.devices, held, self.runner.job_pid)
        if any(d.kind == "gpu" for d in self.devices):
            for lost in await asyncio.to_thread(devs.sample, self.devices):
                log.error("GPU %s (%s) is lost: it leaves the pool", lost.id, lost.uuid)
                for job, run in list(self.running.items()):
                    if lost.id in run.devices:
                        await self.stop(job, Outcome.LOST, f"GPU {lost.id} lost")

    # -- stopping ---------------------------------------------------------------------

    async def cancel(self, job: int) -> JobState:
        """Cancel a queued or running job (KeyError: no such job); its state after."""
        row = self.ledger.get(job)
        if row is None:
            raise KeyError(job)
        if row.state == JobState.QUEUED:
            self.ledger.update(job, "cancelled while queued", state=JobState.CANCELLED,
                               ended_at=time.time(), reason="cancelled while queued")  # fmt: skip
            self.checkouts.drop(job)
            return JobState.CANCELLED
        if row.state == JobState.RUNNING:
            await self.stop(job, Outcome.CANCELLED, "cancelled")
            return JobState.CANCELLED
        return row.state

    async def stop(self, job: int, end: Outcome, reason: str) -> None:
        """Stop a running job (SIGTERM to its group, SIGKILL after KILL_AFTER); its outcome
        is decided (and recorded) first."""
        run = self.running.get(job)
        if run is None or run.stopping:
            return
        run.stopping = f"{end}:{reason}"
        self.writes.write(job, reason, intent=run.stopping, reason=reason)
        if self.runner.ended(job) is None:
            self.runner.signal(job, signal.SIGTERM)
            asyncio.get_running_loop().call_later(
                KILL_AFTER,
                lambda: self.runner.ended(job) is None and self.runner.signal(job, signal.SIGKILL),
            )
        if run.watch is None:  # a wrapper this orgd did not start: watch for its end
            run.watch = asyncio.get_running_loop().create_task(self._poll_end(job))

    async def stop_all(self, reason: str, wait: bool = False) -> None:
        """`down`: queued jobs are cancelled; running ones stopped (or, with `wait`, waited
        for)."""
        for row in self.ledger.jobs(states=[JobState.QUEUED]):
            self.writes.write(
                row.id, reason, state=JobState.CANCELLED, reason=reason, ended_at=time.time()
            )
            self.checkouts.drop(row.id)
        if not wait:
            for job in list(self.running):
                await self.stop(job, Outcome.CANCELLED, reason)
        for run in list(self.running.values()):
            await run.ended.wait()

    async def close(self) -> None:
        await self.runner.close()
        self.ledger.close()
