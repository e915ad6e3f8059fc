"""Small asyncio helpers the background loops of every service share, and the one backoff schedule of
every retry (consumer handlers, webhook deliveries, restarted loops)."""

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def backoff(attempt: int, *, base: float, cap: float = math.inf) -> float:
    """Seconds to wait before retry `attempt` (1 after the first failure): base, 2 x base, 4 x base, ...,
    never more than `cap`."""
    return float(min(cap, base * 2 ** (attempt - 1)))


async def wait_until_set(event: asyncio.Event, timeout: float) -> bool:
    """Wait for `event` at most `timeout` seconds; True when it was set.

    Not `asyncio.wait_for`: on Python 3.11 it swallows a cancellation that arrives as the event is set, and a
    loop waiting this way then never stops (a service's shutdown, or a test run's teardown, hangs).
    """
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def every(seconds: float, work: Callable[[], Awaitable[object]], *, at_once: bool = False) -> None:
    """Run `work` every `seconds` until cancelled, first right away when `at_once`. A failed round (the
    database restarting, say) is logged and the next round tries again."""
    if not at_once:
        await asyncio.sleep(seconds)
    while True:
        try:
            await work()
        except Exception:
            log.warning("periodic %s failed; trying again in %s s", _name(work), seconds, exc_info=True)
        await asyncio.sleep(seconds)


def _name(work: Callable[..., object]) -> str:
    return getattr(work, "__qualname__", None) or getattr(work, "__name__", None) or "task"
