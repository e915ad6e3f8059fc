"""The periodic loop every service's background work shares."""

import asyncio

import pytest

from shared.aio import every

pytestmark = pytest.mark.unit


async def test_a_failed_round_is_logged_and_the_next_round_runs(caplog):
    rounds: list[int] = []
    third = asyncio.Event()

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("database restarting")
        if len(rounds) == 3:
            third.set()

    task = asyncio.create_task(every(0.001, work, at_once=True))
    async with asyncio.timeout(5):
        await third.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert rounds[:3] == [0, 1, 2]
    assert "periodic" in caplog.text and "database restarting" in caplog.text


async def test_without_at_once_the_first_round_waits_its_interval():
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    task = asyncio.create_task(every(3600, work))
    await asyncio.sleep(0)  # the loop has started and is waiting
    assert not ran.is_set()
    task.cancel()
    assert (await asyncio.gather(task, return_exceptions=True))[0].__class__ is asyncio.CancelledError

    task = asyncio.create_task(every(3600, work, at_once=True))
    async with asyncio.timeout(5):
        await ran.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
