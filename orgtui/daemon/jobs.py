"""orgd's jobs: the queue, the devices, dispatch, the end of each job, and re-adoption.

A submitted job is snapshotted (`workspace.snapshot`) and recorded `queued`. Whenever a
device may have freed or a job arrived, `dispatch` asks the policy which jobs start and
where; each is recorded `running` on its devices before its process starts, gets a detached
checkout of its snapshot, and runs through the local runner's wrapper. Its end (awaited on
the wrapper this orgd started, or seen in the status file by the tick for a re-adopted one)
is recorded with its outcome, compute and metrics before its device is freed and its agent
is told. A new orgd re-adopts what ran: running jobs whose wrapper still lives are watched
again, ones that ended meanwhile get their status, the rest are `lost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgtui.agents.delivery import for_agent
from orgtui.agents.launch import agent_env
from orgtui.config.model import SchedulerSection
from orgtui.ledger.rows import JobRow, Waiting
from orgtui.ledger.store import Ledger, job_json
from orgtui.scheduler import devices as devs
from orgtui.scheduler.local import LocalRunner
from orgtui.scheduler.metrics import MetricParser
from orgtui.scheduler.policy import Queued, decide
from orgtui.workspace.snapshot import checkout, prune_checkouts, remove_checkout

if TYPE_CHECKING:
    from orgtui.daemon.orgd import Orgd

log = logging.getLogger("orgd.jobs")
KILL_AFTER = 5.0  # seconds from SIGTERM to SIGKILL when a job is stopped


@dataclass
class Running:
    """What orgd keeps of a running job beside its ledger row."""

    agent: str
    devices: tuple[str, ...]
    src: Path | None
    parser: MetricParser
    offset: int = 0
    watch: asyncio.Task[None] | None = None
    stopping: str = ""  # the outcome orgd decided (cancelled) before signalling it
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class Jobs:
    def __init__(self, orgd: Orgd) -> None:
        self.orgd = orgd
        cfg = orgd.cfg
        self.sched = cfg.scheduler
        self.dir = cfg.org.workdir / "jobs"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger(cfg.org.workdir / "ledger.sqlite")
        self.runner = LocalRunner(self.dir)
        self.devices, self.devices_from = devs.discover(self.sched.devices, self.sched.cpu_slots)
        self.last_metrics = self._load_last_metrics()
        self.running: dict[int, Running] = {}
        self.submitting: set[int] = set()  # snapshots being taken: not yet dispatchable
        # Checkouts made while their jobs wait, so a device that frees starts the next job
        # without waiting for git: for the next few queued jobs only.
        self.prepared: dict[int, asyncio.Task[None]] = {}
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
        for row in self.ledger.jobs(states=["running"]):
            job = row.id
            held = row.devices
            src = self.dir / str(job) / "src" if row.reproducible else None
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
            queued = self.ledger.queue(per_group=len(self.devices), skip=self.submitting)
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
                if row is not None:
                    await self._start(row, assignment.devices)
            started = {a.job for a in plan}
            self._prepare_ahead([q for q in queued if q.id not in started])

    def _prepare_ahead(self, queued: list[Waiting]) -> None:
        """Check out the snapshots of the jobs likely to start next (one per device)."""
        waiting = sorted(queued, key=lambda q: (-q.priority, q.queued_at))
        for q in waiting[: len(self.devices)]:
            if q.reproducible and q.commit and q.id not in self.prepared:
                src = self.dir / str(q.id) / "src"
                self.prepared[q.id] = asyncio.get_running_loop().create_task(
                    asyncio.to_thread(self._checkout, q.commit, src)
                )

    def _checkout(self, commit: str, src: Path) -> None:
        if src.exists():  # left by an orgd that stopped before the job started
            remove_checkout(src)
        checkout(self.orgd.cfg.org.repo, commit, src)

    def _unprepare(self, job: int) -> None:
        """A job that will not start: its early checkout goes."""
        task = self.prepared.pop(job, None)
        if task is not None:
            src = self.dir / str(job) / "src"
            task.add_done_callback(
                lambda _: asyncio.get_running_loop().create_task(
                    asyncio.to_thread(remove_checkout, src)
                )
            )

    async def _start(self, row: JobRow, held: tuple[str, ...]) -> None:
        job = row.id
        kind = self.device(held[0]).kind
        self.ledger.update(
            job, state="running", started_at=time.time(), device=",".join(held), device_type=kind
        )
        src = self.dir / str(job) / "src" if row.reproducible else None
        run = Running(row.agent, held, src, MetricParser(self.sched.metrics))
        self.running[job] = run
        try:
            early = self.prepared.pop(job, None)
            if early is not None:
                await early  # made while it waited (its error, if any, is this one's)
            elif src is not None:
                await asyncio.to_thread(self._checkout, row.commit, src)
            started = await self.runner.start(
                job,
                argv=row.command,
                cwd=src or Path(row.workdir),
                env=self._env(row, held),
                limit=row.budget_time + self.sched.grace,
                cores=self.device(held[0]).cores if kind == "cpu" else (),
                kill_after=KILL_AFTER,
            )
        except Exception as e:  # no checkout, no wrapper: the job fails, its device frees
            log.exception("job %d did not start", job)
            self.runner.log_path(job).write_text(f"orgtui: the job did not start: {e}\n")
            # Inside dispatch (its lock held): the dispatch that called this goes on by itself.
            await self.finish(job, reason=f"did not start: {e}", redispatch=False)
            return
        self.ledger.update(job, pid=started.pid, pid_start=started.pid_start)
        log.info(
            "job %d (%s) started on %s, wrapper %d", job, row.agent, ",".join(held), started.pid
        )
        run.watch = asyncio.get_running_loop().create_task(self._await_end(job, started.ended))

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

    def _env(self, row: JobRow, held: tuple[str, ...]) -> dict[str, str]:
        agent = self.orgd.agents.get(row.agent)
        env = dict(os.environ)
        if agent is not None:
            env.update(agent_env(self.orgd.cfg, self.orgd.rt, agent.spec, agent.worktree))
        devices = [self.device(d) for d in held]
        env.update({
            "ORGTUI_JOB": str(row.id),
            "ORGTUI_TIME_BUDGET": f"{row.budget_time:g}",
            "ORGTUI_SEED": str(row.seed),
            "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
            "CUDA_VISIBLE_DEVICES": ",".join(d.uuid or "" for d in devices if d.kind == "gpu"),
        })  # fmt: skip
        if row.budget_flops is not None:
            env["ORGTUI_FLOPS_BUDGET"] = f"{row.budget_flops:g}"
        if devices[0].kind == "cpu":
            env["OMP_NUM_THREADS"] = str(len(devices[0].cores) or 1)
        return env

    # -- ending -----------------------------------------------------------------------

    async def finish(self, job: int, reason: str = "", redispatch: bool = True) -> None:
        """Record how the job ended, then free its devices and tell its agent."""
        run = self.running.get(job)
        row = self.ledger.get(job)
        if run is None or row is None:
            return
        status = self.runner.ended(job)
        state, exit_code, why = _outcome(status, run.stopping, reason, row.budget_time)
        metrics = self._read_metrics(job, run, final=True)
        ended = (status or {}).get("ended_at") or time.time()
        wall = max(0.0, ended - (row.started_at or ended))
        self.ledger.update(
            job, why, state=state, exit_code=exit_code, reason=why, ended_at=ended,
            wall_seconds=round(wall, 3), device_seconds=round(wall * len(run.devices), 3),
            tokens=metrics.get("total_tokens"), flops=metrics.get("flops"),
            params=metrics.get("num_params"), peak_mem_mb=metrics.get("peak_mem_mb"),
            metrics=metrics,
        )  # fmt: skip
        self.running.pop(job, None)
        run.ended.set()
        value = metrics.get(self.orgd.cfg.research.metric)
        if state == "ok" and value is not None:
            self.last_metrics[run.agent] = value
        log.info("job %d: %s (%s)", job, state, why)
        async with self.finished:
            self.finished.notify_all()
        loop = asyncio.get_running_loop()
        if self.sched.notify and not self.orgd.shutting_down:
            loop.create_task(self._tell(job))
        if redispatch and not self.orgd.shutting_down:
            await self.dispatch()  # the next job first, then the clearing up
        if run.src is not None:
            await asyncio.to_thread(remove_checkout, run.src)

    def _read_metrics(self, job: int, run: Running, final: bool = False) -> dict[str, float]:
        path = self.runner.log_path(job)
        with contextlib.suppress(OSError), path.open("rb") as f:
            f.seek(run.offset)
            data = f.read()
            run.offset += len(data)
            run.parser.feed(data.decode(errors="replace"))
        return dict(run.parser.close() if final else run.parser.metrics)

    async def _tell(self, job: int) -> None:
        row = self.ledger.get(job)
        agent = self.orgd.agents.get(row.agent) if row else None
        if row is None or agent is None:
            return
        text = for_agent(agent.spec.kind, notice(job_json(row), self.orgd.cfg.research.metric))
        try:
            await self.orgd.deliver(agent, text, timeout=120)
        except Exception as e:  # the agent is busy for long, or gone: the ledger has it
            log.warning("job %d: %s was not told: %s", job, agent.spec.name, e)

    # -- while running ----------------------------------------------------------------

    async def tick(self) -> None:
        """Once a second: metrics so far, telemetry, lost GPUs."""
        for job, run in list(self.running.items()):
            before = dict(run.parser.metrics)
            metrics = self._read_metrics(job, run)
            if metrics != before:
                self.ledger.update(job, metrics=metrics)
        if any(d.kind == "gpu" for d in self.devices):
            for lost in await asyncio.to_thread(devs.sample, self.devices):
                log.error("GPU %s (%s) is lost: it leaves the pool", lost.id, lost.uuid)
                for job, run in list(self.running.items()):
                    if lost.id in run.devices:
                        await self.stop(job, "lost", f"GPU {lost.id} lost")

    # -- stopping ---------------------------------------------------------------------

    async def cancel(self, job: int) -> str:
        row = self.ledger.get(job)
        if row is None:
            raise KeyError(job)
        if row.state == "queued":
            self.ledger.update(job, "cancelled while queued", state="cancelled", ended_at=time.time(),
                               reason="cancelled while queued")  # fmt: skip
            self._unprepare(job)
            return "cancelled"
        if row.state == "running":
            await self.stop(job, "cancelled", "cancelled")
            return "cancelled"
        return row.state

    async def stop(self, job: int, outcome: str, reason: str) -> None:
        """Stop a running job (SIGTERM to its group, SIGKILL after KILL_AFTER); its outcome
        is decided (and recorded) first."""
        run = self.running.get(job)
        if run is None or run.stopping:
            return
        run.stopping = f"{outcome}:{reason}"
        self.ledger.update(job, reason, intent=run.stopping, reason=reason)
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
        for row in self.ledger.jobs(states=["queued"]):
            self.ledger.update(
                row.id, reason, state="cancelled", reason=reason, ended_at=time.time()
            )
            self._unprepare(row.id)
        if not wait:
            for job in list(self.running):
                await self.stop(job, "cancelled", reason)
        for run in list(self.running.values()):
            await run.ended.wait()

    async def close(self) -> None:
        await self.runner.close()
        self.ledger.close()


def _outcome(
    status: dict[str, Any] | None, stopping: str, reason: str, budget: float
) -> tuple[str, int | None, str]:
    """(state, exit code, why) of an ended job."""
    code = None if status is None else status.get("exit_code")
    if stopping:
        state, _, why = stopping.partition(":")
        return state, code, why
    if reason:
        return "failed", code, reason
    if status is None:
        return "lost", None, "its process is gone and left no status (orgd was down?)"
    if status.get("timed_out"):
        return "timeout", code, f"over its time budget ({budget:g}s + grace)"
    if status.get("error"):
        return "failed", code, f"command did not start: {status['error']}"
    if code == 0:
        return "ok", 0, "exit 0"
    if status.get("signal"):
        return "failed", None, f"killed by signal {status['signal']}"
    return "failed", code, f"exit {code}"


def notice(job: dict[str, Any], metric: str) -> str:
    """The one line an agent is told when its job ends."""
    value = job["metrics"].get(metric)
    parts = [f"orgtui: job {job['id']} {job['state']}"]
    parts.append(f"{metric} {value:.6g}" if isinstance(value, int | float) else f"no {metric}")
    wall = job["compute"]["wall_seconds"]
    if wall is not None:
        parts.append(f"{wall:.0f}s on {job['device']}")
    if job["state"] != "ok" and job.get("reason"):
        parts.append(job["reason"])
    parts.append(f"(orgtui job show {job['id']})")
    return " · ".join(parts)
