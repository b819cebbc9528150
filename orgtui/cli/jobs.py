"""`orgtui job ...`: agents submit their training runs, people and agents follow them.

`job submit` queues a group: `--seeds N` prints the group's id (one job: the job's id; their
JSON with `--json`). With `--wait`, one job's log streams as it grows (a group's: each job's
end as it comes) and the verdict is printed last: it exits 0 once the verdict is final (a
job of kind `other`: only if it ended `ok`). orgd queues a submit only while its client
waits (`--timeout`), so a submit that was not answered in time says, from the ledger,
whether its job was queued and which it is: nobody submits one twice by mistake.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from orgtui.cli.common import (
    BAD_INPUT,
    FAILED,
    CliError,
    _call,
    _org,
    _org_option,
    choice,
    print_json,
)
from orgtui.cli.groups import wait_group
from orgtui.config.runtime import OrgRuntime, read_info
from orgtui.enums import JobKind, JobState
from orgtui.ledger.store import WriteError, submitted
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.codec import encode
from orgtui.protocol.jobs import (
    Job,
    JobCancel,
    JobList,
    JobShow,
    JobSubmit,
    JobWait,
    SubmittedGroup,
)
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, TIMEOUT, RequestError
from orgtui.protocol.status import Status

WAIT_FOREVER = 7 * 86400.0
SUBMIT_TIMEOUT = 120.0


def add_parsers(sub: Any) -> None:
    job = sub.add_parser("job", help="submit and follow training jobs")
    jsub = job.add_subparsers(dest="job_command", metavar="JOB_COMMAND")

    p = jsub.add_parser("submit", help="queue a job from an agent's worktree")
    p.add_argument("--agent", help="whose job (default: $ORGTUI_AGENT, or the worktree here)")
    p.add_argument("--gpus", type=int, help="devices (default: the agent's `gpus`)")
    p.add_argument("--time", help='time budget, e.g. "5m" (default: the org\'s time_budget)')
    p.add_argument("--flops", type=float, help="FLOPs budget, e.g. 1e18")
    p.add_argument("--seeds", type=int,
                   help="run N seeds as one group (orgd draws them); prints the group's id")  # fmt: skip
    p.add_argument("--seed", type=int, help="kind other only: the job's seed")
    p.add_argument("--kind", default=JobKind.EXPERIMENT.value,
                   help="experiment, verification or other (default: experiment)")  # fmt: skip
    p.add_argument("--reference", type=int,
                   help="the group it is judged against (default: orgd picks it)")  # fmt: skip
    p.add_argument("--name", help="a short name (default: the command)")
    p.add_argument("--description", help="what the job tries (the TSV's description column)")
    p.add_argument("--priority", type=int, default=0, help="higher first, in pool mode")
    p.add_argument("--in-place", action="store_true",
                   help="run in the live worktree (the result is marked unreproducible)")  # fmt: skip
    p.add_argument("--wait", action="store_true",
                   help="stream the log (a group: each job's end), then the verdict")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the job's (group's) JSON")
    p.add_argument("--timeout", type=float, default=SUBMIT_TIMEOUT,
                   help="seconds to wait for orgd to queue it (default 120)")  # fmt: skip
    p.add_argument("command", nargs="*", help="after `--`: the command (default: research.train)")
    _org_option(p)
    p.set_defaults(func=cmd_submit)

    p = jsub.add_parser("ls", help="list jobs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--agent")
    _org_option(p)
    p.set_defaults(func=cmd_ls)

    for name, func, doc in (("show", cmd_show, "one job"), ("cancel", cmd_cancel, "cancel a job"),
                            ("wait", cmd_wait, "wait for a job to end; exit 0 only if ok")):  # fmt: skip
        p = jsub.add_parser(name, help=doc)
        p.add_argument("job", type=int)
        if name == "show":
            p.add_argument("--json", action="store_true")
        _org_option(p)
        p.set_defaults(func=func)

    p = jsub.add_parser("logs", help="print a job's log")
    p.add_argument("job", type=int)
    p.add_argument("-f", "--follow", action="store_true", help="follow it until the job ends")
    _org_option(p)
    p.set_defaults(func=cmd_logs)
    job.set_defaults(func=lambda args: _usage(job))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return BAD_INPUT


# -- submit -----------------------------------------------------------------------------


def cmd_submit(args: argparse.Namespace) -> int:
    rt = _org(args)
    command = list(args.command or [])
    if command and command[0] == "--":
        command = command[1:]
    request = JobSubmit(
        agent=args.agent or os.environ.get("ORGTUI_AGENT") or None,
        cwd=os.getcwd(),
        command=command or None,
        time=args.time,
        flops=args.flops,
        seeds=1 if args.seeds is None else args.seeds,
        seed=args.seed,
        kind=choice(JobKind, args.kind, "--kind"),
        reference=args.reference,
        name=args.name,
        description=args.description or "",
        gpus=args.gpus,
        priority=args.priority,
        in_place=args.in_place,
        token=secrets.token_hex(8),
        deadline=time.time() + args.timeout,
    )
    if args.seeds is not None and args.seeds < 1:
        raise CliError(f"--seeds {args.seeds}: at least 1", BAD_INPUT)
    if request.kind == JobKind.BASELINE:
        raise CliError(
            "--kind baseline: only orgd makes baselines (the baseline ritual makes one of the "
            "program head; a person asks for one now with `orgtui baseline`)", BAD_INPUT,
        )  # fmt: skip
    submitted = _submit(rt, request, args.timeout)
    group = args.seeds is not None
    if args.json:
        jobs = [j.id for j in submitted.jobs]
        print_json({"group": submitted.group, "jobs": jobs} if group else submitted.jobs[0])
    else:
        print(submitted.group if group else submitted.jobs[0].id)
    if not args.wait:
        return 0
    sys.stdout.flush()
    if not group:
        job = submitted.jobs[0]
        status = _follow(rt, job.id, Path(job.log), echo=True)
        if request.kind == JobKind.OTHER:
            return status
    return wait_group(rt, submitted.group, quiet_jobs=not group)


def _submit(rt: OrgRuntime, request: JobSubmit, timeout: float) -> SubmittedGroup:
    """orgd's answer; CliError if it refused, or did not answer (then saying whether the
    job was queued, from the ledger)."""
    try:
        return call(rt.orgd_sock, request, timeout=timeout)
    except RequestError as e:
        if e.code != TIMEOUT:  # a refusal, as `_call` says it
            status = BAD_INPUT if e.code in (BAD_REQUEST, NOT_FOUND) else FAILED
            raise CliError(str(e), status) from None
        said = f"orgd did not answer within {timeout:g}s"
    except DaemonUnreachable as e:
        said = f"{e} (is org {rt.name} up? `orgtui up {rt.file}`)"
    raise CliError(f"{said}; {_whether_queued(rt, request.token)}", FAILED)


def _whether_queued(rt: OrgRuntime, token: str) -> str:
    """Whether orgd queued the submit named `token`, which it does only before the client's
    deadline (past now): from the ledger, once no write of orgd's is in flight."""
    info = read_info(rt.dir) or {}
    ledger = Path(info.get("workdir", "")) / "ledger.sqlite"
    if not info.get("workdir") or not ledger.exists():
        return "the job was not queued: submit it again"
    try:
        job = submitted(ledger, token)
    except WriteError:
        return ("orgd is in the middle of writing the ledger, so the job may have been "
                "queued: check `orgtui job ls` before submitting it again")  # fmt: skip
    if job is None:
        return ("the job was not queued (orgd queues nothing for a client that stopped "
                "waiting): submit it again")  # fmt: skip
    return f"job {job} was queued: check `orgtui job show {job}` (do not submit it again)"


def _follow(rt: OrgRuntime, job: int, log: Path, echo: bool) -> int:
    """Print the log as it grows until the job ends; then its metrics; 0 only if ok."""
    offset = 0
    while True:
        row = _call(rt, JobShow(job=job))
        offset = _print_from(log, offset) if echo else offset
        if row.state.ended:
            offset = _print_from(log, offset) if echo else offset
            break
        time.sleep(0.2)
    _summary(row)
    return 0 if row.state == JobState.OK else FAILED


def _print_from(log: Path, offset: int) -> int:
    try:
        with log.open("rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return offset
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return offset + len(data)


def _summary(row: Job) -> None:
    metrics = "  ".join(f"{k}={v:g}" for k, v in sorted(row.metrics.items()))
    wall = row.compute.wall_seconds
    print(f"job {row.id}: {row.state}" + (f" ({row.reason})" if row.reason else "")
          + (f" in {wall:.1f}s on {row.device}" if wall is not None else ""))  # fmt: skip
    print(f"metrics: {metrics or '(none)'}")


# -- following --------------------------------------------------------------------------


def cmd_ls(args: argparse.Namespace) -> int:
    rt = _org(args)
    rows = list_jobs(rt, agent=args.agent)
    if args.json:
        print_json(rows)
        return 0
    metric = _call(rt, Status()).metric
    lines = [("ID", "AGENT", "STATE", "KIND", "DEVICE", metric.upper(), "WALL", "NAME")]
    for r in rows:
        value = r.metrics.get(metric)
        wall = r.compute.wall_seconds
        lines.append((str(r.id), r.agent, r.state, r.kind, r.device or "-",
                      "-" if value is None else f"{value:.6g}",
                      "-" if wall is None else f"{wall:.0f}s", r.name[:60]))  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(*lines, strict=True)]
    for line in lines:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
    return 0


def list_jobs(rt: OrgRuntime, agent: str | None = None) -> list[Job]:
    """Every job (an agent's), page after page."""
    rows: list[Job] = []
    while True:
        after = rows[-1].id if rows else 0
        page = _call(rt, JobList(agent=agent, after=after), timeout=60)
        rows += page.jobs
        if not page.more:
            return rows


def cmd_show(args: argparse.Namespace) -> int:
    row = _call(_org(args), JobShow(job=args.job))
    if args.json:
        print_json(row)
        return 0
    for key in ("id", "agent", "name", "kind", "state", "reason", "exit_code", "device",
                "branch", "commit", "seed", "reproducible", "group", "reference", "log"):  # fmt: skip
        value = getattr(row, key)
        print(f"{key:13} {value if value is not None else '-'}")
    print(
        f"{'budget':13} {row.budget.time:g}s"
        + (f", {row.budget.flops:g} FLOPs" if row.budget.flops else "")
    )
    print(f"{'command':13} {' '.join(row.command)}")
    for name, when in (
        ("queued", row.queued_at),
        ("started", row.started_at),
        ("ended", row.ended_at),
    ):
        if when:
            print(f"{name:13} {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(when))}")
    compute = ", ".join(f"{k} {v:g}" for k, v in encode(row.compute).items() if v is not None)
    print(f"{'compute':13} {compute or '-'}")
    metrics = ", ".join(f"{k} {v:g}" for k, v in sorted(row.metrics.items()))
    print(f"{'metrics':13} {metrics or '-'}")
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    rt = _org(args)
    row = _call(rt, JobShow(job=args.job))
    log = Path(row.log)
    if args.follow:
        _follow(rt, args.job, log, echo=True)
        return 0
    if not log.exists():
        print(f"job {args.job} has no log yet ({row.state})", file=sys.stderr)
        return 0
    _print_from(log, 0)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    result = _call(_org(args), JobCancel(job=args.job))
    print(f"job {result.id}: {result.state}")
    return 0


def cmd_wait(args: argparse.Namespace) -> int:
    request = JobWait(job=args.job, timeout_s=WAIT_FOREVER)
    row = _call(_org(args), request, timeout=WAIT_FOREVER + 60)
    _summary(row)
    return 0 if row.state == JobState.OK else FAILED
