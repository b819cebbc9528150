"""What every command shares: exit statuses, finding the org, asking its orgd, printing a
reply's JSON."""

from __future__ import annotations

import argparse
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from orgtui.config.durations import parse_duration
from orgtui.config.runtime import AddressError, OrgRuntime, find_info, read_info, resolve
from orgtui.control import failure
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.codec import encode
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, Request, RequestError

if TYPE_CHECKING:
    from orgtui.config.model import OrgConfig

BAD_INPUT = 2
FAILED = 1

R = TypeVar("R")
E = TypeVar("E", bound=StrEnum)


class CliError(Exception):
    def __init__(self, message: str, status: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


def _org(args: argparse.Namespace) -> OrgRuntime:
    """The running org the arguments name; for one that stopped on a failure (its tmux
    server died), a CliError saying so (a failure of the running org: exit 1), not the
    AddressError of an unknown org (exit 2)."""
    name = getattr(args, "org", None) or getattr(args, "org_arg", None)
    try:
        return resolve(name)
    except AddressError:
        try:
            rt = resolve(name, running_only=False)
        except AddressError:
            rt = None
        why = failure.read(rt.dir) if rt else None
        if rt is None or why is None:
            raise
        log = Path((read_info(rt.dir) or {}).get("workdir", "WORKDIR")) / "logs" / "orgd.log"
        raise CliError(
            f"org {rt.name} is not running: {why}; see {log}, and start it again with "
            f"`orgtui up {rt.file}`",
            FAILED,
        ) from None


def _call(rt: OrgRuntime, req: Request[R], timeout: float = 10.0) -> R:
    """orgd's reply to `req`; CliError (exit 2 for bad input, else 1) when it refuses, is
    gone, or speaks another protocol version."""
    try:
        return call(rt.orgd_sock, req, timeout=timeout)
    except DaemonUnreachable as e:
        raise CliError(f"{e}\n(is org {rt.name} up? `orgtui up {rt.file}`)", FAILED) from None
    except RequestError as e:
        status = BAD_INPUT if e.code in (BAD_REQUEST, NOT_FOUND) else FAILED
        raise CliError(str(e), status) from None


def check_utf8(args: argparse.Namespace) -> None:
    """CliError (bad input) naming the first argument that is not valid UTF-8: a request
    carries text, and such bytes reach Python as lone surrogates no request can hold."""
    for name, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            try:
                text.encode()
            except UnicodeEncodeError as e:
                raw = text.encode(errors="surrogateescape")
                at = len(text[: e.start].encode(errors="surrogateescape"))
                raise CliError(
                    f"{name.upper()} {raw!r} is not valid UTF-8 (byte {raw[at]:#x} at {at}); "
                    "give text in UTF-8"
                ) from None


def org_info(rt: OrgRuntime) -> dict[str, str]:
    """The org's file, work dir and repo (its `org.json`, or for a stopped org whose folder is
    gone, its org file); CliError when neither says."""
    info = find_info(rt)
    if not info:
        raise CliError(
            f"{rt.dir}/org.json is missing; cannot find org {rt.name}'s work dir", FAILED
        )
    return info


def print_json(reply: Any) -> None:
    """A reply (or a list of them) as `--json` prints it."""
    print(json.dumps(encode(reply), indent=2))


def choice(enum: type[E], value: str, option: str) -> E:
    """`value` as a member of `enum`, or a CliError naming `option` and the choices."""
    try:
        return enum(value)
    except ValueError:
        raise CliError(f"{option} {value!r}: one of {', '.join(enum)}") from None


def _org_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--org", help="the org's name or file (default: this pane's org, or the one running)"
    )


def org_ledger(args: argparse.Namespace) -> tuple[OrgConfig, Path, Path]:
    """The org the arguments name (an org file, whether or not it ever ran here, or an org's
    name), its file and its ledger's path, for the commands that read the ledger read-only
    (orgd need not run); a CliError when it has no results yet."""
    from orgtui.config import load_org

    where = args.org or args.org_arg
    file = Path(where) if where and Path(where).is_file() else None
    if file is None:
        file = resolve(where, running_only=False).file
    cfg = load_org(file)
    path = cfg.org.workdir / "ledger.sqlite"
    if not path.exists():
        raise CliError(f"org {cfg.org.name} has no results yet (no {path})", BAD_INPUT)
    return cfg, file, path


def horizon_arg(args: argparse.Namespace) -> float | None:
    """`--horizon` in seconds (None: not given); a CliError when it does not parse."""
    if args.horizon is None:
        return None
    try:
        return parse_duration(args.horizon)
    except ValueError as e:
        raise CliError(f"--horizon: {e}", BAD_INPUT) from None
