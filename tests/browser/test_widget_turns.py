"""Every kind of turn in the widget, in a real Chromium against the real server.

A greeting gets its reply with the starter questions as buttons (no vote row: nothing to rate);
a self-diagnosis request gets the offer with «Comenzar el autodiagnóstico», which opens the
widget's diagnosis; a long answer gets «Ver más», which asks «Explícame más» in the same
conversation; a partial answer is labelled as partial.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

LAUNCHER = "Abrir el asesor de la Red Cluster Colombia"
LONG_QUESTION = "¿Qué es una iniciativa cluster?"  # its short answer leaves sentences out: «Ver más»
PARTIAL_QUESTION = "¿Cuánto dura una iniciativa cluster?"  # answered only in part


@pytest.fixture
def page(open_page: Any, live_server: Any) -> Iterator[Any]:
    with open_page(url=live_server.url + "/") as opened:
        yield opened


def open_widget(page: Any) -> Any:
    page.get_by_role("button", name=LAUNCHER).click()
    dialog = page.get_by_role("dialog", name="Asesor de la Red Cluster Colombia")
    dialog.wait_for()
    return dialog


def send(page: Any, question: str) -> tuple[Any, dict]:
    """Type a message, wait for its rendered reply; returns the reply node and the request body."""
    before = page.locator(".msg.bot[data-kind]").count()
    box = page.get_by_role("textbox", name="Escriba su pregunta")
    box.fill(question)
    with page.expect_request(re.compile(r"/api/ask/stream$")) as sent:
        box.press("Enter")
    return reply_number(page, before), json.loads(sent.value.post_data)


def reply_number(page: Any, n: int) -> Any:
    """The n-th rendered reply (0-based), once the widget is no longer busy."""
    reply = page.locator(".msg.bot[data-kind]").nth(n)
    reply.wait_for()
    page.wait_for_function("() => !document.querySelector('#asesor-rcc').shadowRoot.querySelector('[aria-busy]')")
    return reply


def test_greeting_shows_starter_questions(page: Any, live_server: Any, screenshots: Path) -> None:
    starters = httpx.get(live_server.url + "/api/suggestions", timeout=60).json()["suggestions"]
    dialog = open_widget(page)
    reply, _ = send(page, "holaaa")
    assert reply.get_attribute("data-kind") == "smalltalk"
    assert reply.locator("p").first.inner_text().startswith("¡Hola!") and "Lo siento" not in reply.inner_text()
    chips = reply.get_by_role("group", name="Puede empezar por aquí").get_by_role("button")
    assert chips.all_inner_texts() == starters
    assert reply.locator(".fb").count() == 0
    page.screenshot(path=str(screenshots / "widget-saludo.png"))

    chips.first.click()
    reply_number(page, 1).locator(".chip").first.wait_for()
    assert dialog.locator(".msg.user").last.inner_text().endswith(starters[0])


def test_diagnosis_offer_button_starts_the_diagnosis(page: Any, screenshots: Path) -> None:
    dialog = open_widget(page)
    reply, _ = send(page, "quiero hacer el autodiagnostico")
    assert reply.get_attribute("data-kind") == "diagnosis_offer" and "13 preguntas" in reply.inner_text()
    page.screenshot(path=str(screenshots / "widget-oferta-autodiagnostico.png"))
    reply.get_by_role("button", name="Comenzar el autodiagnóstico").click()
    dialog.get_by_text("Pregunta 1 de 13", exact=True).wait_for()
    assert dialog.get_by_role("group", name="Opciones de respuesta").get_by_role("button").count() == 3


def test_ver_mas_asks_for_the_rest_in_the_same_conversation(page: Any, screenshots: Path) -> None:
    open_widget(page)
    first, _ = send(page, LONG_QUESTION)
    assert first.get_attribute("data-kind") == "answer"
    more = first.get_by_role("button", name="Ver más")
    conversation = page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]")
    with page.expect_request(re.compile(r"/api/ask/stream$")) as sent:
        more.click()
    body = json.loads(sent.value.post_data)
    assert body == {"question": "Explícame más", "conversation_id": conversation}
    rest = reply_number(page, 1)
    assert rest.locator(".chip").count() >= 1
    first_text = first.locator("p").all_inner_texts()
    rest_text = rest.locator("p").all_inner_texts()
    assert rest_text and rest_text != first_text, "«Ver más» must continue, not repeat the answer"
    page.screenshot(path=str(screenshots / "widget-ver-mas.png"))


def test_partial_answer_is_labelled(page: Any, live_server: Any) -> None:
    # The booklet covers what an initiative is but not how long one lasts: the composer's partial
    # answer (bot/answer/short.py), streamed by the real server.
    question = PARTIAL_QUESTION
    real = httpx.post(live_server.url + "/api/ask", json={"question": question}, timeout=60).json()
    assert real["in_scope"] and real["kind"] == "partial", real
    open_widget(page)
    reply, _ = send(page, question)
    assert reply.get_attribute("data-kind") == "partial"
    assert reply.locator(".badge").inner_text().startswith("Respuesta parcial")
    assert reply.locator(".chip").count() >= 1 and reply.locator(".fb").count() == 1
