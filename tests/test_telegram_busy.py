"""Telegram when the advisor is overloaded: it waits ``Retry-After``, retries once, then apologises.

The real bot against the fake Bot API; the question lane is really full (a running job holds it).
"""

from __future__ import annotations

import asyncio

import pytest
from fakes import running_bot
from test_overload import occupy

from bot.services.admission import QuestionLane
from bot.telegram.busy import BUSY_TEXT
from bot.telegram.state import runtime

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
CHAT = 515151


async def test_a_full_advisor_is_retried_once_then_the_bot_apologises(fake, bot_settings, services):
    async with running_bot(bot_settings, services) as application:
        lane = runtime(application).lane = QuestionLane(threads=1, budget=0.5, initial_seconds=1.0)
        release, holder = await asyncio.to_thread(occupy, lane)
        try:
            fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
            await fake.wait_for(lambda: len(fake.bot_messages(CHAT)) >= 1, what="the apology")
            [message] = fake.bot_messages(CHAT)
            assert message["text"] == BUSY_TEXT
            assert lane.refused == 2  # the first try and the one retry, nothing more
        finally:
            release.set()
            await asyncio.to_thread(holder.join, 10)


async def test_the_retry_answers_when_the_advisor_frees_up_in_time(fake, bot_settings, services):
    async with running_bot(bot_settings, services) as application:
        lane = runtime(application).lane = QuestionLane(threads=1, budget=0.5, initial_seconds=1.0)
        release, holder = await asyncio.to_thread(occupy, lane)
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
        await fake.wait_for(lambda: lane.refused == 1, what="a first refusal")
        release.set()  # free before the retry (Retry-After: 1 s)
        await asyncio.to_thread(holder.join, 10)
        await fake.wait_for(lambda: len(fake.bot_messages(CHAT)) >= 1, what="the answer")
        [answer] = fake.bot_messages(CHAT)
        assert "📖 Fuente [1]:" in answer["text"]
        assert lane.refused == 1
