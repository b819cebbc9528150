"""What every command shares: exit statuses, finding the org, asking its orgd, printing a
reply's JSON."""

from __future__ import annotations

import argparse
import json
from enum import StrEnum
from typing import Any, TypeVar

from orgtui.config.runtime import OrgRuntime, read_info, resolve
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.codec import encode
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, Request, RequestError

BAD_INPUT = 2
FAILED = 1

R = TypeVar("R")
E = TypeVar("E", bound=StrEnum)


class CliError(Exception):
    def __init__(self, message: str, status: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


def _org(args: argparse.Namespace) -> OrgRuntime:
    return resolve(getattr(args, "org", None) or getattr(args, "org_arg", None))


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


def org_info(rt: OrgRuntime) -> dict[str, str]:
    """The org's `org.json` (its file, work dir and repo); CliError when it is missing."""
    info = read_info(rt.dir)
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
