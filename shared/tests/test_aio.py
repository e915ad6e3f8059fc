"""The periodic loop every service's background work shares, and the backoff of every retry."""

import asyncio

import pytest

from shared.aio import backoff, every

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
    loop = asyncio.get_running_loop()
    ran_at: list[float] = []
    ran = asyncio.Event()

    async def work() -> None:
        ran_at.append(loop.time())
        ran.set()

    started = loop.time()
    task = asyncio.create_task(every(0.2, work))
    async with asyncio.timeout(5):
        await ran.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert ran_at[0] - started >= 0.2

    ran.clear()
    started = loop.time()
    task = asyncio.create_task(every(3600, work, at_once=True))
    async with asyncio.timeout(5):
        await ran.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def test_retries_back_off_exponentially_up_to_a_cap():
    assert [backoff(n, base=2, cap=60) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert [backoff(n, base=0.1) for n in range(1, 4)] == [0.1, 0.2, 0.4]
