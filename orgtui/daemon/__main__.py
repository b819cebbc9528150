"""`python -m orgtui.daemon ORGFILE`: run orgd in the foreground (`orgtui up` starts it
detached, in its own session, with its output in `<workdir>/logs/orgd.log`).

orgd runs with umask 077, so what it writes and what it starts (git, tmux, agents, jobs) is
its user's alone; as it starts it closes a work dir an older orgtui left open to other users,
and says so in its log. Stopped by `down`, it removes the org's runtime folder as it exits."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from orgtui.config import ConfigError, load_org
from orgtui.config.runtime import OrgRuntime, org_runtime
from orgtui.control.launcher import PRIVATE_UMASK, close_workdir
from orgtui.daemon.orgd import Orgd
from orgtui.daemon.socket_server import serve
from orgtui.daemon.watch import watch

log = logging.getLogger("orgd")


async def run(org_file: Path) -> int:
    cfg = load_org(org_file)
    rt = org_runtime(cfg.org.name, cfg.file).ensure()
    closed = await asyncio.to_thread(close_workdir, cfg.org.workdir)
    if closed:
        log.warning("%s", closed.describe(cfg.org.workdir))
    orgd = Orgd(cfg, rt)
    await asyncio.to_thread(orgd.prepare)
    # The socket listens before any agent starts: an agent's first request (the built-in
    # researcher asks for the org's status at once) waits until orgd is ready, rather than
    # finding no socket and dying. Requests are answered from `orgd.serving` on.
    rt.pid_file.write_text(f"{os.getpid()}\n")
    server = await serve(orgd, rt.orgd_sock)
    watching: asyncio.Task[None] | None = None
    try:
        await asyncio.to_thread(orgd.start_panes)
        await orgd.attach_control()
        await orgd.jobs.adopt()
        await orgd.verdicts.catch_up()  # groups whose last seed ended while no orgd ran
        await orgd.jobs.dispatch()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, orgd.stopping.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: None)
        orgd.serving.set()
        log.info("orgd %d serving org %s on %s", os.getpid(), cfg.org.name, rt.orgd_sock)
        watching = loop.create_task(watch(orgd))
        await orgd.tick_loop()
        await orgd.stopping.wait()
    finally:
        if watching is not None:
            watching.cancel()
        server.close()
        rt.orgd_sock.unlink(missing_ok=True)
        if rt.daemon_pid() == os.getpid():
            rt.pid_file.unlink(missing_ok=True)
        if orgd.control:
            await orgd.control.close()
        await orgd.jobs.close()
        if orgd.shutting_down:
            await remove_folder(rt)
        log.info("orgd %d stopped", os.getpid())
    return 0


async def remove_folder(rt: OrgRuntime) -> None:
    """After `down`, remove the org's runtime folder: nothing in it is needed any more. One
    still in use (a tmux server that would not die) is kept, and said."""
    if not await asyncio.to_thread(rt.remove, 2.0):
        log.warning("kept the runtime folder %s: still in use", rt.dir)


def main(argv: list[str]) -> int:
    os.umask(PRIVATE_UMASK)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if len(argv) != 1:
        print("usage: python -m orgtui.daemon ORGFILE", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run(Path(argv[0])))
    except ConfigError as e:
        print(f"orgd: {e}", file=sys.stderr)
        return 2
    except Exception:
        log.exception("orgd failed")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
