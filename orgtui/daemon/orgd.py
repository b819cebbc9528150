"""orgd: the daemon that owns one running org.

It prepares the workspace and comms, starts or adopts the org's tmux server (one session, one
window per agent), keeps a control-mode client on it without the output stream, reads every
pane's state about once a second (exits, restarts, activity), and answers clients on its unix
socket. Everything it knows of the panes it can learn again from tmux, so a new orgd adopts
running panes without restarting them.

`Orgd` is the daemon's one composer: it makes the jobs and the rituals, and applies reloads,
passing itself as their host. Each part names what it needs of orgd in a Protocol of its own
(`JobsHost`, `RitualsHost`, `BaselineHost`, `ReloadHost`, `WatchHost`), so none imports this
module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

from orgtui.agents.delivery import deliver
from orgtui.agents.launch import comms_dir, window_spec
from orgtui.agents.prompts import PROMPT_FILES
from orgtui.config import ConfigError, load_org
from orgtui.config.model import OrgConfig
from orgtui.config.runtime import OrgRuntime, write_info
from orgtui.control import failure
from orgtui.daemon import comms
from orgtui.daemon.ablate import Ablator
from orgtui.daemon.agent import Agent, make_agent
from orgtui.daemon.jobs import Jobs
from orgtui.daemon.pane_io import TmuxPane, read_marks
from orgtui.daemon.promote import Promoter
from orgtui.daemon.reload import Plan, apply_plan, make_plan
from orgtui.daemon.rituals import Rituals
from orgtui.daemon.slurm_jobs import SlurmJobs
from orgtui.daemon.verdicts import Verdicts
from orgtui.enums import JobKind
from orgtui.judge.verdict import Verdict
from orgtui.ledger.rows import GroupRow
from orgtui.scheduler.devices import DeviceError
from orgtui.scheduler.slurm_cluster import agents_refusal
from orgtui.tmux.control import ControlClient
from orgtui.tmux.quoting import escape_format
from orgtui.tmux.server import (
    PANE_FORMAT,
    PaneInfo,
    TmuxError,
    TmuxServer,
    WindowSpec,
    render_config,
)
from orgtui.workspace import ensure_excluded, ensure_program

log = logging.getLogger("orgd")

TICK_SECONDS = 1.0
LOG_CAP_BYTES = 8 * 1024 * 1024


class Orgd:
    """The running org."""

    def __init__(self, cfg: OrgConfig, rt: OrgRuntime) -> None:
        self.cfg = cfg
        self.rt = rt
        self.session = cfg.org.name
        self.tmux = TmuxServer(rt.tmux_sock)
        self.agents: dict[str, Agent] = {}
        self.control: ControlClient | None = None
        self.stopping = asyncio.Event()
        self.serving = asyncio.Event()  # panes started or adopted: requests are answered
        self.shutting_down = False
        self.tick_lock = asyncio.Lock()
        self.started_at = time.time()
        self.applied_at = time.time()
        self.config_error: str | None = None  # the saved org file's, while it does not apply
        self.last_plan: Plan | None = None
        self.reload_lock = asyncio.Lock()
        self.jobs: Jobs  # after prepare: the work dir exists
        self.verdicts: Verdicts
        self.promoter: Promoter
        self.ablator: Ablator
        self.rituals: Rituals

    # -- paths --------------------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        return self.cfg.org.workdir

    @property
    def comms(self) -> Path:
        return comms_dir(self.cfg)

    def log_path(self, agent: str) -> Path:
        return self.workdir / "logs" / f"{agent}.log"

    # -- start --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Program branch, each agent's branch, worktree and bin folder, comms, runtime info."""
        org = self.cfg.org
        failure.clear(self.rt.dir)  # an earlier orgd's note: this one runs the org again
        ensure_program(org.repo, org.base, org.program)
        ensure_excluded(org.repo, list(PROMPT_FILES))
        for spec in self.cfg.agents:
            self.agents[spec.name] = make_agent(self.cfg, spec)
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        comms.ensure(self.comms, org.name, self.agents)
        write_info(self.rt, org.workdir, org.repo)
        self.jobs = SlurmJobs(self) if self.cfg.scheduler.backend == "slurm" else Jobs(self)
        self.verdicts = Verdicts(self)
        self.promoter = Promoter(self)
        self.ablator = Ablator(self)
        self.rituals = Rituals(self)

    def start_panes(self) -> None:
        """Start the tmux server with every agent's window, or adopt the running one and add
        only the windows that are missing."""
        now = time.time()
        existing: dict[str, PaneInfo] = {}
        if self.tmux.has_session(self.session):
            existing = {p.window: p for p in self.tmux.panes(self.session)}
        pending = [a for a in self.agents.values() if a.spec.name not in existing]
        if not existing and pending:
            config = self.rt.dir / "tmux.conf"
            config.write_text(render_config(self.cfg.org.name))
            first = pending.pop(0)
            pane = self.tmux.start(config, self.session, self._spec(first))
            self._launched(first, pane, now)
        for agent in pending:
            self._launched(agent, self.tmux.new_window(self.session, self._spec(agent)), now)
        for name, info in existing.items():
            if name in self.agents:
                life = self.agents[name].life
                life.adopted(info.pane_id, info.pid, info.dead, info.dead_status, now)
                self._pipe_log(name, info.pane_id)
                log.info("adopted %s (pane %s, pid %s)", name, info.pane_id, info.pid)

    def launch(self, agent: Agent) -> None:
        """Start an agent added while the org runs, in a new window."""
        self._launched(agent, self.tmux.new_window(self.session, self._spec(agent)), time.time())

    def resize(self, agent: Agent) -> None:
        if agent.life.pane_id is not None:
            self.tmux.run("resize-window", "-t", agent.life.pane_id, "-x", str(agent.spec.cols),
                          "-y", str(agent.spec.rows), check=False)  # fmt: skip

    def _spec(self, agent: Agent) -> WindowSpec:
        return window_spec(self.cfg, self.rt, agent.spec, agent.worktree)

    def _launched(self, agent: Agent, pane: str, now: float) -> None:
        pid = self.tmux.pane_pid(pane)
        agent.life.launched(pane, pid, now)
        self._pipe_log(agent.spec.name, pane)
        log.info("started %s (pane %s, pid %s)", agent.spec.name, pane, pid)

    def _pipe_log(self, name: str, pane: str) -> None:
        """Log the pane's output unless a logger is attached already. The logger outlives
        `respawn-pane`, and `pipe-pane -o` on a pane that has one closes it (a toggle), so a
        restarted or adopted pane is asked first."""
        try:
            if self.tmux.run("display-message", "-p", "-t", pane, "#{pane_pipe}").strip() == "1":
                return
        except TmuxError as e:
            log.warning("%s: no log pipe: %s", name, e)
            return
        cmd = shlex.join(
            [
                sys.executable,
                "-m",
                "orgtui.tmux.panelog",
                str(self.log_path(name)),
                str(LOG_CAP_BYTES),
            ]
        )
        try:
            self.tmux.run("pipe-pane", "-o", "-t", pane, escape_format(f"exec {cmd}"))
        except TmuxError as e:  # the program exited already: its screen stays in the pane
            log.warning("%s: no log pipe: %s", name, e)

    async def attach_control(self) -> None:
        self.control = await ControlClient.attach(self.rt.tmux_sock, self.session)

    # -- the tick -----------------------------------------------------------------------

    async def read_panes(self) -> dict[str, PaneInfo]:
        assert self.control is not None
        lines = await self.control.command(
            "list-panes", "-s", "-t", f"={self.session}", "-F", PANE_FORMAT
        )
        return {p.window: p for p in map(PaneInfo.parse, lines) if p}

    async def tick(self) -> None:
        """Read every pane once; apply restart policies. Also run before answering `status`,
        so what it reports is never a tick old."""
        async with self.tick_lock:
            await self._tick()

    async def _tick(self) -> None:
        panes = await self.read_panes()
        now = time.time()
        for name, agent in self.agents.items():
            info = panes.get(name)
            life = agent.life
            if info is None:
                if life.state != "stopped":
                    log.warning("%s: its window is gone", name)
                    life.state = "stopped"
                continue
            life.pane_id, life.pid = info.pane_id, info.pid or life.pid
            if not info.pipe and not info.dead and life.alive and not self.shutting_down:
                # Its logger died (tmux notices at the next output it cannot write).
                log.warning("%s: its pane lost its logger; piping it again", name)
                await asyncio.to_thread(self._pipe_log, name, info.pane_id)
            was = life.state
            if (
                life.observe(info.dead, info.dead_status, float(info.activity), now)
                and not self.shutting_down
            ):
                await self.respawn(agent)
            elif life.state != was:
                log.info("%s: %s -> %s (status %s)", name, was, life.state, life.exit_status)
                if life.gave_up:
                    log.warning("%s: 5 quick exits in a row; not restarting it", name)
        assert self.control is not None
        await read_marks(self.control, self.agents.values())

    async def respawn(self, agent: Agent) -> None:
        """Start the agent's command again in its pane (killing what runs there), or in a new
        window if its window was closed."""
        pane = agent.life.pane_id
        spec = self._spec(agent)
        if pane is None or agent.life.state == "stopped":
            pane = await asyncio.to_thread(self.tmux.new_window, self.session, spec)
        else:
            await asyncio.to_thread(self.tmux.respawn, pane, spec)
        pid = await asyncio.to_thread(self.tmux.pane_pid, pane)
        agent.life.restarted(pane, pid, time.time())
        await asyncio.to_thread(self._pipe_log, agent.spec.name, pane)
        log.info("restarted %s (restart %d)", agent.spec.name, agent.life.restarts)

    async def tick_loop(self) -> None:
        while not self.stopping.is_set():
            if self.shutting_down:
                await self.stopping.wait()
                return
            try:
                await self.tick()
                await self._jobs_tick()
            except TmuxError as e:
                if self.control is None or self.control.closed.is_set():
                    log.error("the tmux server is gone: %s; orgd stops", e)
                    if not self.shutting_down:  # `down` kills it on purpose
                        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                        why = f"its tmux server died (orgd stopped at {stamp})"
                        failure.record(self.rt.dir, why)
                    self.stopping.set()
                    return
                log.warning("tick: %s", e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), TICK_SECONDS)

    async def _jobs_tick(self) -> None:
        try:
            await self.jobs.tick()
        except Exception:  # the jobs' tick must not stop the agents'
            log.exception("jobs tick")
        try:
            await self.rituals.tick()
        except Exception:
            log.exception("rituals tick")

    # -- the org file, live ---------------------------------------------------------------

    async def reload(self, dry_run: bool = False) -> Plan:
        """Read the saved org file and apply what changed (or, `dry_run`, only say it);
        ConfigError when it does not apply: then nothing changed and `config_error` says
        why until a good version is saved."""
        async with self.reload_lock:
            try:
                new = await asyncio.to_thread(load_org, self.cfg.file)
                plan = make_plan(self.cfg, new)
                if isinstance(self.jobs, SlurmJobs):  # an agent's gpus on no node: refused
                    jobs = self.jobs
                    refused = agents_refusal(new, jobs.devices, jobs.slurm.partition)
                    if refused is not None:
                        raise refused
                if dry_run or new.source_hash == self.cfg.source_hash:
                    if not dry_run:
                        self.config_error = None
                    return plan
                log.info("org file changed: %s", "; ".join(plan.lines()))
                await apply_plan(self, new, plan)
            except ConfigError as e:
                if str(e) != self.config_error:
                    log.error("org file not applied: %s", e)
                self.config_error = str(e)
                raise
            except DeviceError as e:
                error = ConfigError(self.cfg.file, 1, 1, f"[scheduler] {e}")
                self.config_error = str(error)
                raise error from None
            except Exception as e:  # git or tmux refused a step: said, the org goes on
                log.exception("applying the org file")
                error = ConfigError(
                    self.cfg.file, 1, 1,
                    f"the edit was not applied whole: {e} (fix it and save again)",
                )  # fmt: skip
                self.config_error = str(error)
                raise error from None
            self.config_error = None
            self.last_plan = plan
            return plan

    # -- for handlers -------------------------------------------------------------------

    def agent(self, name: str) -> Agent | None:
        return self.agents.get(name)

    def job_ended(self, job: int) -> None:
        """A job's end is recorded: its group is judged, its agent told."""
        self.verdicts.job_ended(job)

    def margin(self, gid: int) -> float | None:
        return self.promoter.min_delta(gid)

    def judged(self, group: GroupRow, verdict: Verdict) -> None:
        """A group's verdict just became final: a verification ends its promotion; a
        leave-one-out group may end its ablation; with `promote = "auto"`, any other better
        experiment is promoted."""
        loop = asyncio.get_running_loop()
        if group.kind == JobKind.VERIFICATION:
            loop.create_task(self._logged(self.promoter.verified(group.id, verdict)))
        elif self.ablator.judged(group.id):  # a leave-one-out group: its code is on no branch
            pass
        elif (group.kind == JobKind.EXPERIMENT and verdict.verdict == "better"
              and self.cfg.research.promote == "auto"):  # fmt: skip
            loop.create_task(self._logged(self.promoter.auto()))

    async def _logged(self, work: Awaitable[object]) -> None:
        try:
            await work
        except Exception as e:  # a refusal (it does not merge cleanly) or a failure: said
            log.warning("promotion: %s", e)

    async def deliver(self, agent: Agent, text: str, timeout: float) -> None:
        """Type `text` into the agent's pane once it is ready, and submit it (DeliveryError
        after `timeout` seconds)."""
        start = time.monotonic()
        # One message at a time per agent, so two senders never interleave their text.
        async with agent.lock:
            left = max(0.0, timeout - (time.monotonic() - start))
            assert self.control is not None and agent.life.pane_id is not None
            pane = TmuxPane(self.control, self.tmux, agent.life.pane_id, agent.spec.name)
            await asyncio.wait_for(
                deliver(pane, text, agent.spec.ready, left, kind=agent.spec.kind), left + 5
            )
