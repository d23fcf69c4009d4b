"""The WhatsApp channel end to end: the real app, its webhook, and the fake Graph API on loopback."""

from __future__ import annotations

import asyncio
import logging

import pytest
import pytest_asyncio
from fakes.graph_api import FakeGraph, webhook_payload
from whatsapp_harness import PHONE, URL, VERIFY, running_app, whatsapp_settings

from bot.whatsapp import texts

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture
async def graph() -> FakeGraph:
    server = await FakeGraph().start()
    yield server
    await server.stop()


@pytest.fixture
def wa_settings(settings, graph):
    return whatsapp_settings(settings, graph)


async def test_verification_handshake(wa_settings, services):
    async with running_app(wa_settings, services) as (_, client):
        good = await client.get(
            URL, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
        )
        bad = await client.get(
            URL, params={"hub.mode": "subscribe", "hub.verify_token": "otro", "hub.challenge": "1158201444"}
        )
    assert good.status_code == 200 and good.text == "1158201444"
    assert good.headers["content-type"].startswith("text/plain")
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "webhook_no_autorizado"


async def test_bad_signature_is_401_and_logged_without_the_body(wa_settings, services, graph, caplog):
    payload = webhook_payload(graph.phone_number_id, messages=[graph.message(PHONE, text="secreto-del-cuerpo")])
    caplog.set_level(logging.INFO)
    async with running_app(wa_settings, services) as (_, client):
        wrong = await graph.deliver(client, URL, payload, signature="sha256=" + "0" * 64)
        unsigned = await client.post(URL, json=payload)
        await asyncio.sleep(0.3)
    assert wrong.status_code == 401 and unsigned.status_code == 401
    assert wrong.json()["error"]["message"] == texts.WEBHOOK_BAD_SIGNATURE
    assert graph.calls == []
    assert "secreto-del-cuerpo" not in caplog.text and PHONE not in caplog.text
    assert "without a valid signature" in caplog.text


async def test_a_question_gets_citations_and_feedback_buttons(wa_settings, services, graph, caplog, store):
    caplog.set_level(logging.DEBUG)
    async with running_app(wa_settings, services) as (_, client):
        await graph.say(client, URL, PHONE, text="¿Qué es una iniciativa cluster?")
        last = await graph.wait_for(
            lambda: [b for b in graph.delivered(PHONE) if b["type"] == "interactive"], what="the feedback buttons"
        )
        bodies = graph.delivered(PHONE)
        first, answer = graph.text_of(bodies[0]), graph.text_of(bodies[1])
        assert texts.PRIVACY in first  # the first message carries the privacy line
        assert "📖 Fuente [1]:" in answer and "cluster" in answer.lower()
        choices = graph.choices(last[0])
        assert list(choices)[:2] == [texts.BUTTON_UP, texts.BUTTON_DOWN]
        await graph.say(
            client, URL, PHONE, kind="interactive", reply_id=choices[texts.BUTTON_UP], title=texts.BUTTON_UP
        )
        await graph.wait_for(
            lambda: texts.FEEDBACK_UP in [graph.text_of(b) for b in graph.delivered(PHONE)], what="the thanks for 👍"
        )
        if texts.BUTTON_SOURCES in choices:  # the passage behind the citation, on demand
            await graph.say(
                client,
                URL,
                PHONE,
                kind="interactive",
                reply_id=choices[texts.BUTTON_SOURCES],
                title=texts.BUTTON_SOURCES,
            )
            await graph.wait_for(
                lambda: any(
                    graph.text_of(b).startswith("*📖")
                    or b["type"] == "interactive"
                    and b["interactive"]["type"] == "list"
                    for b in graph.delivered(PHONE)[-1:]
                ),
                what="the source",
            )
    feedback = store.feedback()
    assert [f["rating"] for f in feedback] == ["up"]
    assert PHONE not in caplog.text


async def test_a_long_answer_is_split_under_4096(wa_settings, services, graph):
    async with running_app(wa_settings, services) as (app, client):
        chat = app.state.whatsapp.chat(PHONE)
        await graph.say(client, URL, PHONE, kind="sticker")  # opens the window (and gets «solo texto»)
        await graph.wait_for(lambda: len(graph.delivered(PHONE)) >= 2, what="welcome and the sticker note")
        from bot.whatsapp import render

        paragraphs = [f"Párrafo {i}: " + "la gobernanza de la iniciativa cluster " * 12 for i in range(30)]
        sent = await chat.send(*render.text_messages("\n\n".join(paragraphs)))
    texts_sent = [graph.text_of(b) for b in graph.delivered(PHONE)[2:]]
    assert sent == len(texts_sent) >= 3
    assert all(len(t) <= 4096 for t in texts_sent)
    assert all(t.startswith("Párrafo") for t in texts_sent)  # cut at paragraph boundaries
    assert sum(t.count("Párrafo") for t in texts_sent) == 30


async def test_sticker_or_audio_only_text(wa_settings, services, graph):
    async with running_app(wa_settings, services) as (_, client):
        await graph.say(client, URL, PHONE, kind="audio")
        await graph.wait_for(lambda: len(graph.delivered(PHONE)) >= 2, what="the reply to an audio")
    assert graph.text_of(graph.delivered(PHONE)[-1]) == texts.ONLY_TEXT


async def test_status_callbacks_are_accepted_failed_ones_recorded_none_answered(wa_settings, services, graph):
    statuses = [
        {
            "id": "wamid.OUT1",
            "recipient_id": PHONE,
            "status": status,
            "timestamp": "1700000000",
            **({"errors": [{"code": 131026, "title": "Message undeliverable"}]} if status == "failed" else {}),
        }
        for status in ("sent", "delivered", "read", "failed")
    ]
    async with running_app(wa_settings, services) as (app, client):
        response = await graph.deliver(client, URL, webhook_payload(graph.phone_number_id, statuses=statuses))
        assert response.status_code == 200
        rt = app.state.whatsapp
        failed = await graph.wait_for(lambda: rt.service.failed_statuses(rt.keys.user(PHONE)), what="the failure")
    assert failed == [{"message_id": "wamid.OUT1", "error_code": "131026", "error_title": "Message undeliverable"}]
    assert graph.calls == []  # statuses are never answered
