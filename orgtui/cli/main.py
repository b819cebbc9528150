"""The `orgtui` command line: people and agents drive a running org with it.

Bad input (an org file's error, an unknown org or agent) prints a clear message and exits 2;
a failure of the running org (orgd gone, a message not delivered in time) exits 1.
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
import time
from pathlib import Path

from orgtui.cli import down, groups, jobs, progress, reload, report, research, results
from orgtui.cli import eval as org_eval
from orgtui.cli.common import (
    BAD_INPUT,
    FAILED,
    CliError,
    _call,
    _org,
    _org_option,
    check_utf8,
    org_info,
    print_json,
)
from orgtui.config.errors import ConfigError
from orgtui.config.runtime import (
    AddressError,
    OrgRuntime,
    RuntimeDirError,
    resolve,
)
from orgtui.protocol.org import Post, Restart, Send
from orgtui.protocol.status import Status

# -- commands ----------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from orgtui.config import load_org
    from orgtui.control.launcher import check_cluster

    cfg = load_org(Path(args.orgfile))
    check_cluster(cfg)  # on Slurm, what `up` asks the cluster: the partition, shared_dir, gpus
    for warning in cfg.warnings:
        print(warning, file=sys.stderr)
    print(
        f"{cfg.file}: ok: org {cfg.org.name}, {len(cfg.agents)} agents, {len(cfg.processes)} rituals"
    )
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    from orgtui.control.launcher import up

    research.init_if_missing(Path(args.orgfile))
    result = up(Path(args.orgfile))
    name = result.cfg.org.name
    if result.started:
        print(
            f"org {name} is up: {len(result.cfg.agents)} agents; orgd log: {result.cfg.org.workdir}/logs/orgd.log"
        )
    else:
        print(f"org {name} is already running")
    print(f"watch it: orgtui attach {name}   (or tmux -S {result.rt.tmux_sock} attach)")
    return 0


def _attach_tmux(rt: OrgRuntime) -> int:
    argv = ["tmux", "-S", str(rt.tmux_sock), "attach-session", "-t", f"={rt.name}"]
    from orgtui.tmux.server import tmux_env

    os.execvpe("tmux", argv, tmux_env())
    return 0  # not reached


def _escape(spec: str | None) -> str:
    """The escape chord: --escape, else $ORGTUI_ESCAPE, else F12."""
    spec = spec or os.environ.get("ORGTUI_ESCAPE") or "f12"
    from orgtui.tui.keys import escape_chord

    try:
        return escape_chord(spec)[0]
    except ValueError as e:
        raise CliError(str(e), BAD_INPUT) from None


def _cockpit(rt: OrgRuntime, escape: str) -> int:
    from orgtui.tui import probe  # no Textual: its settings below are read at its import

    # A higher frame cap for the focused pane; the colours the terminal says it shows.
    os.environ.setdefault("TEXTUAL_FPS", "240")
    os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", probe.color_system(os.environ))
    tone_cells = probe.tone_cells()  # asked before Textual reads the terminal's input
    from orgtui.tui.ansi import set_skin_tone_cells
    from orgtui.tui.app import run_app

    set_skin_tone_cells(tone_cells)
    run_app(rt, escape)
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    escape = _escape(args.escape)
    rt = _org(args)
    return _attach_tmux(rt) if args.tmux else _cockpit(rt, escape)


def cmd_main_job(orgfile: str) -> int:
    escape = _escape(None)  # a bad $ORGTUI_ESCAPE is refused before the org starts
    from orgtui.control.launcher import up

    research.init_if_missing(Path(orgfile))
    return _cockpit(up(Path(orgfile)).rt, escape)


def cmd_status(args: argparse.Namespace) -> int:
    rt = _org(args)
    status = _call(rt, Status())
    if args.json:
        print_json(status)
        return 0
    print(f"org {status.org}  ({status.file})  orgd pid {status.daemon_pid}")
    print(f"workdir {status.workdir}")
    rows = [("AGENT", "ROLE", "KIND", "STATE", "ACTIVITY", "PID", "RESTARTS", "BRANCH")]
    for a in status.agents:
        state = a.state + (f" ({a.exit_status})" if a.exit_status is not None else "")
        if a.setup and a.setup != "ok":
            state = f"setup {a.setup}"
        activity = a.activity + (f" {a.idle_seconds:.0f}s" if a.activity == "idle" else "")
        rows.append((a.name, a.role, a.kind, state, activity, str(a.pane_pid or "-"),
                     str(a.restarts), a.branch))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for c in status.scheduler.cluster:  # backend = "slurm": the org's jobs in Slurm
        if c.waiting:  # not in Slurm yet: why
            print(f"job {c.job}: {c.waiting} (partition {c.partition})")
            continue
        where = f"on {c.node}" if c.node else "waiting"
        print(f"job {c.job}: Slurm job {c.slurm_job or '(submitting)'} {c.state or '-'} {where}"
              f" (partition {c.partition})")  # fmt: skip
    config = status.config
    applied = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(config.applied_at))
    print(f"org file: version {config.hash[:12]}, applied {applied}")
    if config.plan:
        print(f"  last change: {'; '.join(config.plan.lines)}")
    if config.error:
        print(f"  NOT APPLIED (the org runs the version above): {config.error}")
    for p in status.processes:
        last = time.strftime("%H:%M:%S", time.localtime(p.last_run)) if p.last_run else "-"
        upcoming = time.strftime("%m-%d %H:%M:%S", time.localtime(p.next_run))
        print(f"ritual {p.name} ({p.kind}): last {last}, next {upcoming}")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    rt = _org(args)
    request = Send(agent=args.agent, text=args.text, timeout_s=args.timeout)
    result = _call(rt, request, timeout=args.timeout + 10)
    print(f"delivered to {result.agent} in {result.seconds:.2f}s")
    return 0


def cmd_post(args: argparse.Namespace) -> int:
    rt = _org(args)
    # Only a claim: orgd signs with who it can verify, and marks a claim that differs.
    author = os.environ.get("ORGTUI_AGENT") or pwd.getpwuid(os.getuid()).pw_name
    result = _call(rt, Post(author=author, to=args.to, text=args.text))
    print(f"posted to {result.file}")
    return 0


def cmd_restart(args: argparse.Namespace) -> int:
    rt = _org(args)
    result = _call(rt, Restart(agent=args.agent))
    print(f"restarted {result.agent} (pid {result.pane_pid})")
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    rt = resolve(args.org, running_only=False)
    logs = Path(org_info(rt)["workdir"]) / "logs"
    path = logs / f"{args.agent}.log"
    if not path.exists():
        known = sorted(p.stem for p in logs.glob("*.log") if p.stem != "orgd")
        raise CliError(
            f"no log for agent {args.agent!r} in {logs} (agents with logs: {', '.join(known) or 'none'})"
        )
    out = sys.stdout.buffer
    for part in (path.with_name(path.name + ".1"), path):
        if part.exists():
            out.write(part.read_bytes())
    out.flush()
    return 0


# -- parser ------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="orgtui",
        description="Run a research org of AI agents. `orgtui ORGFILE` starts the org and opens it.",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("up", help="start or re-adopt the org without opening the TUI")
    p.add_argument("orgfile")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("attach", help="open the cockpit on a running org")
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    _org_option(p)
    p.add_argument("--tmux", action="store_true", help="attach a plain tmux client instead")
    p.add_argument(
        "--escape",
        metavar="KEY",
        help="the key that gives a taken-over pane's keyboard back: f1..f12 or ctrl+<letter> "
        "(default $ORGTUI_ESCAPE or f12; ctrl+] always works too)",
    )
    p.set_defaults(func=cmd_attach)

    down.add_parser(sub)

    p = sub.add_parser("status", help="agents, their state and activity")
    p.add_argument("org_arg", nargs="?", metavar="ORG")
    _org_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("validate", help="check an org file")
    p.add_argument("orgfile")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "send", help="type TEXT into an agent's session once it is ready, and submit it"
    )
    p.add_argument("agent")
    p.add_argument("text")
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the agent (default 60)"
    )
    _org_option(p)
    p.set_defaults(func=cmd_send)

    p = sub.add_parser("post", help="append a message to the comms board or an agent's inbox")
    p.add_argument("text")
    p.add_argument("--to", metavar="AGENT")
    _org_option(p)
    p.set_defaults(func=cmd_post)

    p = sub.add_parser("restart", help="restart one agent")
    p.add_argument("agent")
    _org_option(p)
    p.set_defaults(func=cmd_restart)

    p = sub.add_parser("logs", help="print an agent's session log")
    p.add_argument("agent")
    _org_option(p)
    p.set_defaults(func=cmd_logs)

    jobs.add_parsers(sub)
    groups.add_parsers(sub)
    results.add_parsers(sub)
    progress.add_parsers(sub)
    report.add_parsers(sub)
    org_eval.add_parsers(sub)
    reload.add_parser(sub)
    research.add_parsers(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status. A reader that leaves early (`orgtui job ls | head`)
    ends the output quietly: what was asked was done."""
    try:
        try:
            status = _run(sys.argv[1:] if argv is None else argv)
        finally:
            sys.stdout.flush()  # now, not at exit, where a closed pipe is a printed traceback
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status


def subcommands(top: argparse.ArgumentParser) -> set[str]:
    """The names of `top`'s subcommands (`orgtui NAME` alone is one, not an org file).
    argparse keeps them in its (private) subparsers action; read from there so that a new
    command is never mistaken for a file."""
    return {
        name
        for action in top._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def _run(argv: list[str]) -> int:
    top = parser()
    commands = subcommands(top)
    try:
        if len(argv) == 1 and argv[0] not in commands and not argv[0].startswith("-"):
            return cmd_main_job(argv[0])
        args = top.parse_args(argv)
        if not getattr(args, "func", None):
            top.print_help()
            return BAD_INPUT
        check_utf8(args)
        return int(args.func(args))
    except ConfigError as e:
        print(e, file=sys.stderr)
        return BAD_INPUT
    except (AddressError, RuntimeDirError) as e:
        print(f"orgtui: {e}", file=sys.stderr)
        return BAD_INPUT
    except CliError as e:
        print(f"orgtui: {e}", file=sys.stderr)
        return e.status
    except BrokenPipeError:
        raise  # main's: not a failure of the command
    except Exception as e:
        # Imported only now: most commands never load the launcher or the workspace.
        from orgtui.control.launcher import UpError
        from orgtui.workspace import WorkspaceError

        if isinstance(e, WorkspaceError):
            print(f"orgtui: {e}", file=sys.stderr)
            return BAD_INPUT
        if isinstance(e, UpError):
            print(f"orgtui: {e}", file=sys.stderr)
            return FAILED
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
