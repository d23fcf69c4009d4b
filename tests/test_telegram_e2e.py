"""The Telegram bot end to end: the real ``Application`` against a real fake Bot API over HTTP.

Each test starts the fake server and the bot (polling) in the test's event loop, feeds real
update JSON, and asserts on the calls the fake recorded: what a Telegram user would have seen.
The advisor is the real one (real index, real SQLite store) from ``tests/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sqlite3

import pytest
from fakes import FakeTelegram, plain_text, running_bot

from bot.schemas import Answer, Citation
from bot.settings import Settings
from bot.telegram import NetworkPolicy, texts

pytestmark = pytest.mark.asyncio
CHAT = 424242
GROUP = -100987654


async def reply_after(fake: FakeTelegram, chat_id: int, count_before: int, *, n: int = 1) -> list[dict]:
    """Wait until the bot sent ``n`` more messages to ``chat_id``; return the new ones."""
    await fake.wait_for(lambda: len(fake.bot_messages(chat_id)) >= count_before + n, what=f"{n} message(s)")
    return fake.bot_messages(chat_id)[count_before:]


async def test_start_welcomes_with_starter_buttons_and_registers_commands(fake, bot_settings, advisor, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/start")
        [welcome] = await reply_after(fake, CHAT, 0)
        assert "¡Hola!" in welcome["text"] and "Ley 1581 de 2012" in welcome["text"]
        assert "Guardamos sus preguntas" in welcome["text"]
        assert list(fake.buttons(welcome)) == advisor.starters()
        commands = {c["command"]: c["description"] for c in fake.delivered("setMyCommands")[0].params["commands"]}
        assert commands == texts.COMMANDS and "diagnostico" in commands
        assert fake.delivered("deleteWebhook"), "polling must remove any webhook first"

        fake.press(welcome, fake.buttons(welcome)[advisor.starters()[0]])
        [answer] = await reply_after(fake, CHAT, 1)
        assert answer["text"].startswith(f"❓ {advisor.starters()[0]}")
        assert "📖 Fuente [1]:" in answer["text"]
        assert fake.delivered("answerCallbackQuery")


async def test_question_with_citations_sources_and_feedback(fake, bot_settings, advisor, services, store):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
        [answer] = await reply_after(fake, CHAT, 0)
        call = fake.delivered("sendMessage")[-1]
        assert call.params["parse_mode"] == "HTML"
        assert "Fuente [1]: 1. Introducción › ¿Qué es una Iniciativa Cluster?" in answer["text"]
        buttons = fake.buttons(answer)
        assert {"Ver fuente [1]", "👍", "👎"} <= set(buttons)
        assert fake.delivered("sendChatAction")

        fake.press(answer, buttons["Ver fuente [1]"])
        [source] = await reply_after(fake, CHAT, 1)
        passage = advisor.passage(buttons["Ver fuente [1]"].removeprefix("src:"))
        assert source["text"].startswith(f"📖 {passage.section}")
        assert passage.text.split("\n")[0][:200] in source["text"]

        fake.press(answer, buttons["👍"])
        await fake.wait_for(lambda: fake.delivered("editMessageReplyMarkup"), what="vote buttons removed")
        thanks = [c.params.get("text") for c in fake.delivered("answerCallbackQuery")]
        assert texts.FEEDBACK_UP in thanks
        assert "👍" not in fake.buttons(fake.messages[(CHAT, answer["message_id"])])
        assert "Ver fuente [1]" in fake.buttons(fake.messages[(CHAT, answer["message_id"])])
        [stored] = store.feedback()
        assert stored["rating"] == "up" and stored["question"] == "¿Qué es una iniciativa cluster?"
        assert stored["conversation_id"].startswith("tg:")

    database = bot_settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    assert str(CHAT) not in dump and "1001" not in dump, "raw Telegram ids must never reach the store"


async def test_out_of_scope_question_offers_suggestions(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "¿Cuál es la capital de Francia?")
        [refusal] = await reply_after(fake, CHAT, 0)
        assert texts.SUGGESTIONS_TITLE in refusal["text"]
        suggestions = [label for label, data in fake.buttons(refusal).items() if data.startswith("ask:")]
        assert len(suggestions) == 3
        fake.press(refusal, fake.buttons(refusal)[suggestions[0]])
        [answer] = await reply_after(fake, CHAT, 1)
        assert answer["text"].startswith(f"❓ {suggestions[0]}")


class _Proxy:
    """The real answer service with ``ask`` (or anything else) replaced for one test."""

    def __init__(self, advisor, **overrides):
        self._advisor, self._overrides = advisor, overrides

    def __getattr__(self, name):
        return self._overrides.get(name) or getattr(self._advisor, name)


def _with_answers(services, **overrides):
    """The real services, their answer service replaced by a ``_Proxy``."""
    return dataclasses.replace(services, answers=_Proxy(services.answers, **overrides))


def _booklet_text(settings: Settings, chars: int) -> str:
    raw = re.split(r"\n\s*\n", settings.corpus_file.read_text(encoding="utf-8"))
    paragraphs = [" ".join(p.split()) for p in raw if len(" ".join(p.split())) > 200]
    out: list[str] = []
    while sum(len(p) + 2 for p in out) < chars:
        out.append(paragraphs[len(out) % len(paragraphs)])
    return "\n\n".join(out)


async def test_long_answer_is_split_into_valid_messages(fake, bot_settings, services, loaded_index):
    long_text = _booklet_text(bot_settings, 6000) + "\n\nA & B < C > D: «Fase 2» & <b>no es HTML</b>."
    citation = Citation(n=1, section="4. Fases › Fase 2", text="…", score=1.0, id=loaded_index.chunks[0].id)

    def ask(question, *, conversation_id=None, channel="cli"):
        return Answer(question=question, answer=long_text, in_scope=True, citations=[citation])

    async with running_bot(bot_settings, _with_answers(services, ask=ask)):
        fake.send_text(CHAT, "¿Qué hace una iniciativa cluster en cada fase?")
        await fake.wait_for(lambda: any("Fuente [1]" in t for t in fake.sent_texts(CHAT)), what="the last part")
        calls = [c for c in fake.delivered("sendMessage") if c.params["chat_id"] == CHAT]
        assert len(calls) >= 2 and not [c for c in fake.calls if c.status == 400]
        assert all(len(c.params["text"]) <= 4096 for c in calls)
        assert all("reply_markup" not in c.params for c in calls[:-1]) and "reply_markup" in calls[-1].params
        shown = "\n\n".join(plain_text(c.params["text"]) for c in calls)
        assert shown.startswith(long_text) and "&lt;b&gt;no es HTML&lt;/b&gt;" in calls[-1].params["text"]


async def test_html_in_questions_and_answers_is_escaped(fake, bot_settings, services):
    injected = '<b>hola</b> & <a href="https://malo.example">clic</a> <script>alert(1)</script>'

    def ask(question, *, conversation_id=None, channel="cli"):
        citation = Citation(n=1, section="<i>Sección</i> & más", text=question, score=1.0, id="")
        return Answer(question=question, answer=f"Usted preguntó: {question}", in_scope=True, citations=[citation])

    async with running_bot(bot_settings, _with_answers(services, ask=ask)):
        fake.send_text(CHAT, injected)
        [answer] = await reply_after(fake, CHAT, 0)
        sent = fake.delivered("sendMessage")[-1].params["text"]
        assert "<script>" not in sent and "<a " not in sent and "&lt;script&gt;" in sent
        assert answer["text"].startswith(f"Usted preguntó: {injected}")
        assert "Fuente [1]: <i>Sección</i> & más" in answer["text"]
        assert "Ver fuente [1]" not in fake.buttons(answer), "no passage id, no source button"


async def test_stickers_and_edits_get_a_friendly_note(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_sticker(CHAT)
        [note] = await reply_after(fake, CHAT, 0)
        assert note["text"] == texts.ONLY_TEXT
        fake.edit_text(fake.user_message(CHAT, text="¿Qué es un cluster?"), "¿Qué es un clúster?")
        [edited] = await reply_after(fake, CHAT, 1)
        assert edited["text"] == texts.EDITED_MESSAGE
        await fake.wait_idle()
        assert len(fake.bot_messages(CHAT)) == 2


async def test_group_messages_need_a_mention_or_a_reply(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(GROUP, "¿Qué es un cluster?", chat_type="supergroup")
        fake.send_sticker(GROUP, chat_type="supergroup")
        await fake.wait_idle()
        assert fake.bot_messages(GROUP) == []

        question = fake.user_message(GROUP, text="@Asesor_Cluster_Bot ¿qué es un cluster?", chat_type="supergroup")
        fake.feed(message=question)
        [answer] = await reply_after(fake, GROUP, 0)
        call = fake.delivered("sendMessage")[-1]
        assert call.params["reply_parameters"]["message_id"] == question["message_id"]
        assert "Fuente [1]" in answer["text"]

        fake.send_text(GROUP, "¿y cuáles son sus objetivos?", chat_type="supergroup", reply_to=answer)
        [follow_up] = await reply_after(fake, GROUP, 1)
        assert "Fuente" in follow_up["text"]


async def test_flood_limit_429_is_retried_and_delivered_once(fake, bot_settings, services):
    fake.fail_next("sendMessage", "429", retry_after=1)
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/ayuda")
        await reply_after(fake, CHAT, 0)
        attempts = fake.attempts("sendMessage")
        assert [c.status for c in attempts] == [429, 200]
        assert attempts[1].at - attempts[0].at >= 1.0, "must wait retry_after seconds"
        await fake.wait_idle()
        assert len(fake.delivered("sendMessage")) == 1


async def test_server_errors_are_retried_with_backoff(fake, bot_settings, services):
    fake.fail_next("getUpdates", "502")
    fake.fail_next("sendMessage", "500")
    fake.fail_next("sendMessage", "502")
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/fuentes")
        [sources] = await reply_after(fake, CHAT, 0)
        assert "1. Introducción" in sources["text"]
        assert [c.status for c in fake.attempts("sendMessage")] == [500, 502, 200]


async def test_timeout_is_not_resent_and_the_bot_keeps_running(fake, bot_settings, services):
    fake.fail_next("sendMessage", "timeout", delay=1.5)
    network = NetworkPolicy(backoff=0.05, read_timeout=0.5)
    async with running_bot(bot_settings, services, network=network):
        fake.send_text(CHAT, "/ayuda")
        await reply_after(fake, CHAT, 0)
        await fake.wait_idle(quiet=1.0)
        assert len(fake.delivered("sendMessage")) == 1, "a read timeout may mean delivered: never send twice"
        fake.send_text(CHAT, "/fuentes")
        [sources] = await reply_after(fake, CHAT, 1)
        assert "1. Introducción" in sources["text"]


async def test_advisor_errors_become_spanish_replies(fake, bot_settings, services):
    def broken():
        raise RuntimeError("disk on fire")

    async with running_bot(bot_settings, _with_answers(services, sections=broken)):
        fake.send_text(CHAT, "¿" + "cluster " * 200 + "?")
        [too_long] = await reply_after(fake, CHAT, 0)
        assert too_long["text"].startswith("La pregunta es demasiado larga")
        fake.send_text(CHAT, "/fuentes")
        [apology] = await reply_after(fake, CHAT, 1)
        assert apology["text"] == texts.GENERIC_ERROR
        fake.send_text(CHAT, "/ayuda")
        [help_message] = await reply_after(fake, CHAT, 2)
        assert help_message["text"].startswith(texts.HELP_TITLE)


async def test_the_token_never_reaches_the_logs(fake, bot_settings, caplog, services):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # configure_logging (run by other tests) quiets httpx
    fake.fail_next("sendMessage", "500")
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/ayuda")
        await reply_after(fake, CHAT, 0)
        logging.getLogger("bot.test").error("leak attempt %s", f"{fake.base_url}{fake.token}/getMe")
    assert "/getUpdates" in caplog.text, "httpx logged the request URLs"
    assert fake.token not in caplog.text and "[REDACTED]" in caplog.text


async def test_webhook_checks_the_secret_and_answers(fake, bot_settings, services):
    import httpx

    from bot.api import create_app
    from bot.telegram.webhook import SECRET_HEADER, WebhookForbidden, process_webhook_update

    settings = bot_settings.model_copy(
        update={
            "telegram_webhook_url": "https://asesor.example/telegram/webhook",
            "telegram_webhook_secret": "s3cret-token-value",
        }
    )
    update = {"update_id": 1, "message": fake.user_message(CHAT, text="/ayuda")}
    app = create_app(settings, services)  # the one webhook server: the HTTP app
    async with app.router.lifespan_context(app):
        application = app.state.telegram
        assert fake.webhook == {"url": settings.telegram_webhook_url, "secret_token": "s3cret-token-value"}
        with pytest.raises(WebhookForbidden):
            await process_webhook_update(application, update, "wrong")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            denied = await client.post("/telegram/webhook", json=update)
            garbage = await client.post(
                "/telegram/webhook", content=b"{no json", headers={SECRET_HEADER: "s3cret-token-value"}
            )
            accepted = await client.post(
                "/telegram/webhook", json=update, headers={SECRET_HEADER: "s3cret-token-value"}
            )
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "webhook_no_autorizado"
        assert garbage.status_code == 422 and accepted.status_code == 200
        [help_message] = await reply_after(fake, CHAT, 0)
        assert help_message["text"].startswith(texts.HELP_TITLE)
