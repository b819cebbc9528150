"""What every command shares: exit statuses, finding the org, asking its orgd."""

from __future__ import annotations

import argparse
from typing import Any

from orgtui.config.runtime import OrgRuntime, resolve
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.messages import BAD_REQUEST, NOT_FOUND, RequestError

BAD_INPUT = 2
FAILED = 1


class CliError(Exception):
    def __init__(self, message: str, status: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


def _org(args: argparse.Namespace) -> OrgRuntime:
    return resolve(getattr(args, "org", None) or getattr(args, "org_arg", None))


def _call(rt: OrgRuntime, type_: str, timeout: float = 10.0, **kw: Any) -> Any:
    try:
        return call(rt.orgd_sock, type_, timeout=timeout, **kw)
    except DaemonUnreachable as e:
        raise CliError(f"{e}\n(is org {rt.name} up? `orgtui up {rt.file}`)", FAILED) from None
    except RequestError as e:
        status = BAD_INPUT if e.code in (BAD_REQUEST, NOT_FOUND) else FAILED
        raise CliError(str(e), status) from None


def _org_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--org", help="the org's name or file (default: this pane's org, or the one running)"
    )
