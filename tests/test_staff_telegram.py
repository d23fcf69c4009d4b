"""Telegram's 👎 asks for an optional reason, and the vote reaches the staff console with it.

Why: staff read why answers failed («Cita equivocada», «Muy larga»…) from every channel; in
Telegram the reasons are buttons that replace 👍/👎 after a 👎 (real bot against the fake Bot API).
"""

from __future__ import annotations

import pytest
from fakes import running_bot

from bot.telegram import texts

pytestmark = pytest.mark.asyncio
CHAT = 515151


async def test_thumbs_down_offers_reasons_and_stores_the_one_chosen(fake, bot_settings, services, store):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
        await fake.wait_for(lambda: len(fake.bot_messages(CHAT)) >= 1, what="the answer")
        [answer] = fake.bot_messages(CHAT)
        fake.press(answer, fake.buttons(answer)["👎"])
        await fake.wait_for(
            lambda: "Cita equivocada" in fake.buttons(fake.messages[(CHAT, answer["message_id"])]),
            what="reason buttons",
        )
        assert store.feedback() == []  # nothing stored until a reason (or «Omitir») is chosen
        shown = fake.messages[(CHAT, answer["message_id"])]
        assert set(texts.FEEDBACK_REASONS.values()) <= set(fake.buttons(shown)) and "👎" not in fake.buttons(shown)
        fake.press(shown, fake.buttons(shown)["Cita equivocada"])
        await fake.wait_for(lambda: store.feedback(), what="the vote")
        [stored] = store.feedback()
        assert stored["rating"] == "down" and stored["reason"] == "cita_equivocada"
        await fake.wait_for(
            lambda: "Cita equivocada" not in fake.buttons(fake.messages[(CHAT, answer["message_id"])]),
            what="reason buttons removed",
        )
