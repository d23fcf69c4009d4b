"""The self-diagnosis on WhatsApp, end to end: buttons, the list, typed answers, a restart, the report,
the 24-hour window with a fake clock, and «borrar mis datos»."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import pytest_asyncio
from fakes.graph_api import FakeGraph
from whatsapp_harness import PHONE, URL, running_app, whatsapp_settings

from bot.console.service import Period
from bot.whatsapp import texts

pytestmark = pytest.mark.slow
TRANSCRIPT = os.environ.get("ASESOR_WHATSAPP_TRANSCRIPT")  # where to write the recorded diagnosis


@pytest_asyncio.fixture
async def graph() -> FakeGraph:
    server = await FakeGraph().start()
    yield server
    await server.stop()


@pytest.fixture
def wa_settings(settings, graph):
    return whatsapp_settings(settings, graph)


def _questions(graph: FakeGraph) -> list[dict]:
    """The diagnosis questions sent so far (reply-button messages with the three answers)."""
    return [
        b
        for b in graph.delivered(PHONE)
        if b["type"] == "interactive"
        and b["interactive"]["type"] == "button"
        and any(i.startswith("dx:a") for i in graph.choices(b).values())
    ]


async def _next_question(graph: FakeGraph, count: int) -> dict:
    found = await graph.wait_for(
        lambda: len(_questions(graph)) >= count and _questions(graph), what=f"question {count}"
    )
    return found[count - 1]


async def _tap(graph, client, message: dict, title_start: str) -> None:
    title, reply_id = next((t, i) for t, i in graph.choices(message).items() if t.startswith(title_start))
    await graph.say(client, URL, PHONE, kind="interactive", reply_id=reply_id, title=title)


async def test_a_whole_diagnosis_by_buttons_ends_with_image_and_pdf(wa_settings, services, graph, tmp_path):
    async with running_app(wa_settings, services) as (_, client):
        await graph.say(client, URL, PHONE, text="diagnóstico")
        first = await _next_question(graph, 1)
        assert "Pregunta 1 de 13" in graph.text_of(first)
        lists = await graph.wait_for(
            lambda: [
                b for b in graph.delivered(PHONE) if b["type"] == "interactive" and b["interactive"]["type"] == "list"
            ],
            what="the list of question 1",
        )
        assert set(graph.choices(lists[-1])) == {texts.OPTION_SKIP, texts.OPTION_HELP}  # no «Atrás» on question 1
        await _tap(graph, client, lists[-1], texts.OPTION_HELP)  # «¿Qué significa?» from the list
        await graph.wait_for(
            lambda: any(graph.text_of(b).startswith("ℹ️") for b in graph.delivered(PHONE)), what="the help of question 1"
        )
        await _tap(graph, client, await _next_question(graph, 2), "En forma completa")
        second = await _next_question(graph, 3)
        assert "Pregunta 2 de 13" in graph.text_of(second)
        await graph.say(client, URL, PHONE, text="parcial")  # typed answers work too
        third = await _next_question(graph, 4)
        assert "Pregunta 3 de 13" in graph.text_of(third)
        await graph.say(client, URL, PHONE, text="¿Qué es la gobernanza?")  # a question mid-diagnosis
        offer = await graph.wait_for(
            lambda: [b for b in graph.delivered(PHONE) if graph.text_of(b) == texts.CONTINUE_OFFER], what="«¿Seguimos?»"
        )
        answer = graph.delivered(PHONE)[-3]
        assert "Fuente [1]" in graph.text_of(answer)
        await _tap(graph, client, offer[-1], texts.BUTTON_CONTINUE)
        shown = 5
        for number in range(3, 14):
            message = await _next_question(graph, shown)
            assert f"Pregunta {number} de 13" in graph.text_of(message)
            await _tap(graph, client, message, ("No se ha", "En forma parcial", "En forma completa")[number % 3])
            shown += 1
        await graph.wait_for(lambda: any(b["type"] == "document" for b in graph.delivered(PHONE)), what="the PDF")
        await graph.wait_for(lambda: graph.text_of(graph.delivered(PHONE)[-1]) == texts.PROFILE_ASK, what="profile")
        await graph.say(client, URL, PHONE, text="Departamento: Nariño, café")  # optional, after the report
        await graph.wait_for(lambda: graph.text_of(graph.delivered(PHONE)[-1]) == texts.PROFILE_SAVED, what="saved")
    now = time.time()
    summary = services.staff.diagnoses(Period(now - 3600, now + 1, "whatsapp"), department="Nariño", sector="café")
    assert summary["completed"] == 1  # the staff console filters it by the declared region
    bodies = graph.delivered(PHONE)
    result = next(graph.text_of(b) for b in bodies if texts.FINISHED_TITLE in graph.text_of(b))
    assert "Nivel de madurez" in result and "Recomendaciones prioritarias" in result
    image, document = bodies[-4], bodies[-3]  # then the profile question and the thanks for the answer
    assert image["type"] == "image" and document["type"] == "document"
    assert document["document"]["filename"].endswith(".pdf")
    uploads = {c.body["type"]: c.file for c in graph.attempts("media") if c.ok}
    assert uploads["image/png"].startswith(b"\x89PNG") and uploads["application/pdf"].startswith(b"%PDF")
    for body in bodies:  # every interactive message within WhatsApp's limits (the fake checks them too)
        for title in graph.choices(body):
            assert len(title) <= (20 if body["interactive"]["type"] == "button" else 24)
    lines = graph.transcript(PHONE)  # the conversation as the fake recorded it (the number masked)
    assert len(lines) > len(bodies)
    for path in filter(None, [TRANSCRIPT, str(tmp_path / "transcript.jsonl")]):
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


async def test_a_restart_mid_diagnosis_continues_at_the_same_question(wa_settings, services, graph):
    async with running_app(wa_settings, services) as (_, client):
        await graph.say(client, URL, PHONE, text="diagnostico")
        await _tap(graph, client, await _next_question(graph, 1), "No se ha")
        await _tap(graph, client, await _next_question(graph, 2), "En forma parcial")
        await _next_question(graph, 3)
    async with running_app(wa_settings, services) as (_, client):  # a new process over the same database
        await graph.say(client, URL, PHONE, text="diagnóstico")
        again = await _next_question(graph, 4)
    assert "Pregunta 3 de 13" in graph.text_of(again)
    assert texts.DIAGNOSIS_RESUME in [graph.text_of(b) for b in graph.delivered(PHONE)]


async def test_nothing_is_sent_outside_the_24_hour_window(wa_settings, services, graph):
    now = [time.time()]
    async with running_app(wa_settings, services, clock=lambda: now[0]) as (app, client):
        await graph.say(client, URL, PHONE, text="diagnostico")
        await _tap(graph, client, await _next_question(graph, 1), "En forma completa")
        await _next_question(graph, 2)
        await graph.wait_idle()
        before = len(graph.calls)
        now[0] += 24 * 3600 + 60  # a day later, nobody wrote: the window is closed
        chat = app.state.whatsapp.chat(PHONE)
        from bot.whatsapp import render

        assert await chat.send(*render.text_messages("¿Sigue ahí?")) == 0
        late = graph.message(PHONE, text="no", timestamp=now[0] - 25 * 3600)  # held back by Meta for a day
        from fakes.graph_api import webhook_payload

        await graph.deliver(client, URL, webhook_payload(graph.phone_number_id, messages=[late]))
        await graph.wait_idle()
        assert len(graph.calls) == before  # not one call to the Graph API outside the window
        await graph.say(client, URL, PHONE, text="hola", timestamp=now[0])  # they write again: it resumes
        resumed = await _next_question(graph, 3)
    assert "Pregunta 2 de 13" in graph.text_of(resumed)
    assert texts.DIAGNOSIS_RESUME in [graph.text_of(b) for b in graph.delivered(PHONE)]


async def test_borrar_mis_datos_deletes_the_diagnosis_and_the_conversation(wa_settings, services, graph, store):
    async with running_app(wa_settings, services) as (app, client):
        await graph.say(client, URL, PHONE, text="¿Qué es un cluster?")
        await graph.wait_for(lambda: any(b["type"] == "interactive" for b in graph.delivered(PHONE)), what="answer")
        await graph.say(client, URL, PHONE, text="diagnostico")
        await _next_question(graph, 1)
        rt = app.state.whatsapp
        key, conversation = rt.keys.user(PHONE), rt.keys.conversation(PHONE)
        diagnosis_id = store.binding(key=key)["diagnosis_id"]
        await graph.say(client, URL, PHONE, text="Borrar mis datos")
        confirm = await graph.wait_for(
            lambda: [b for b in graph.delivered(PHONE) if graph.text_of(b) == texts.DELETE_CONFIRM],
            what="the confirmation",
        )
        await _tap(graph, client, confirm[-1], texts.BUTTON_DELETE_YES)
        await graph.wait_for(lambda: graph.text_of(graph.delivered(PHONE)[-1]) == texts.DELETE_DONE, what="done")
    assert store.binding(key=key) == {}
    assert services.chat_state.diagnosis_of(key) is None and not services.chat_state.greeted(key)
    assert store.load_diagnosis(diagnosis_id=diagnosis_id) is None
    assert store.conversation(conversation_id=conversation) == []
    assert not any(PHONE in json.dumps(store.binding(key=k)) for k in (key, conversation))
