"""The question lane keeps its promise: a question a thread reaches too late to end within the
budget is refused (503, ``Retry-After``) instead of answered late, and is never run.

Real lane, real threads; the "slow machine" is a job that holds the only thread longer than the
lane expected.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.services.admission import Busy, QuestionLane


def test_a_question_reached_past_the_budget_is_refused_and_never_run() -> None:
    lane = QuestionLane(threads=1, budget=0.5, initial_seconds=0.05)
    ran: list[str] = []

    async def scenario() -> None:
        slow = asyncio.ensure_future(lane.run(lambda: time.sleep(0.7) or ran.append("slow")))
        await asyncio.sleep(0.05)  # the slow one holds the only thread
        assert lane.expected_wait() < 0.5  # the estimate (0.05 s a question) admits a newcomer...
        with pytest.raises(Busy) as refused:
            await lane.run(lambda: ran.append("late"))  # ...that a thread reaches only after 0.7 s
        assert refused.value.retry_after >= 1 and "Intente de nuevo" in str(refused.value)
        await slow
        assert await lane.run(lambda: "on time") == "on time"  # a free thread: answered

    asyncio.run(scenario())
    assert ran == ["slow"] and lane.late == 1 and lane.refused == 0
    assert lane.expected_wait() == 0.0  # every slot given back
    lane.close()


def test_questions_within_the_budget_are_all_answered() -> None:
    lane = QuestionLane(threads=2, budget=2.0, initial_seconds=0.01)
    done = threading.Semaphore(0)

    async def scenario() -> list[int]:
        return await asyncio.gather(*(lane.run(lambda i=i: time.sleep(0.02) or done.release() or i) for i in range(10)))

    assert asyncio.run(scenario()) == list(range(10))
    assert lane.late == 0 and lane.refused == 0
    lane.close()


def test_time_lost_before_the_lane_counts_against_the_budget() -> None:
    lane = QuestionLane(threads=1, budget=0.5, initial_seconds=0.05)

    async def scenario() -> None:
        assert await lane.run(lambda: "free", arrived=time.perf_counter() - 2.0) == "free"  # a free thread: answered
        slow = asyncio.ensure_future(lane.run(time.sleep, 0.3))
        await asyncio.sleep(0.05)
        with pytest.raises(Busy):  # queued behind it, after 0.6 s lost on the way in: refused at once
            await lane.run(lambda: None, arrived=time.perf_counter() - 0.6)
        assert lane.refused == 1
        assert await lane.run(lambda: "in time", arrived=time.perf_counter()) == "in time"  # waits for the slow one
        await slow

    asyncio.run(scenario())
    assert lane.late == 0
    lane.close()
