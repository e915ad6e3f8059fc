"""Small asyncio helpers the background loops of every service share."""

import asyncio


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
