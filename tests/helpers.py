"""What tests (and the benchmarks that drive a real org) share: one way to wait for a
condition, synchronously or inside a Textual pilot."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any


class WaitTimeout(AssertionError):
    """A condition did not hold in time (an AssertionError: pytest shows it as a failure)."""


def _expired(timeout: float, what: str, predicate: object) -> WaitTimeout:
    return WaitTimeout(f"timed out after {timeout:g}s waiting for {what or predicate}")


def wait_for(
    predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> Any:
    """Poll `predicate` until it returns something truthy, and return that; WaitTimeout after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _expired(timeout, what, predicate)
        time.sleep(interval)


async def wait_for_async(
    predicate: Callable[[], Any],
    pause: Callable[[float], Awaitable[Any]],
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str = "",
) -> Any:
    """`wait_for` inside an event loop: `pause(interval)` between polls (a Textual pilot's
    `pilot.pause`, so the app runs while the test waits)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _expired(timeout, what, predicate)
        await pause(interval)
