"""The embeddable widget in a real Chromium against the real server (Playwright, sync API).

Why: what people use is the widget on a portal page. These tests click through it like a person
(keyboard included), check streaming answers with citations, the whole self-diagnosis with its
chart, resuming after a reload, XSS safety, a 360 px phone screen, isolation from the portal's
CSS, and axe-core's accessibility rules. Screenshots land in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.store import Store

pytestmark = pytest.mark.browser

LAUNCHER = "Abrir el asesor de la Red Cluster Colombia"


@pytest.fixture
def page(open_page: Any, live_server: Any) -> Iterator[Any]:
    with open_page() as page:
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(live_server.url + "/")
        yield page


def open_widget(page: Any) -> Any:
    page.get_by_role("button", name=LAUNCHER).click()
    dialog = page.get_by_role("dialog", name="Asesor de la Red Cluster Colombia")
    dialog.wait_for()
    return dialog


def ask(page: Any, question: str) -> Any:
    box = page.get_by_role("textbox", name="Escriba su pregunta")
    box.fill(question)
    with page.expect_response(re.compile(r"/api/ask/stream$")) as streamed:
        box.press("Enter")
    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    answer = page.locator(".msg.bot").last
    answer.locator(".fb").wait_for()  # rendered once the `answer` event arrived
    return answer


def test_open_ask_cite_feedback_and_keyboard(page: Any, live_server: Any, screenshots: Path) -> None:
    launcher = page.get_by_role("button", name=LAUNCHER)
    dialog = open_widget(page)
    assert page.evaluate("document.activeElement.id") == "asesor-rcc"  # focus moved into the widget
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.id") == "rcc-q"
    assert launcher.count() == 0  # the launcher hides while the panel is open
    suggestions = dialog.get_by_role("group", name="Preguntas sugeridas").get_by_role("button")
    suggestions.first.wait_for()
    assert suggestions.count() >= 3
    assert dialog.get_by_role("log").get_attribute("aria-live") == "polite"
    assert "Guardamos sus preguntas" in dialog.inner_text()

    answer = ask(page, "¿Cuáles son los objetivos de una iniciativa cluster?")
    assert answer.locator("li").count() >= 3  # "- item" lines rendered as a list
    chip = answer.locator(".chip").first
    assert chip.inner_text().startswith("[1] ")
    assert "objetivos" in chip.get_attribute("aria-label").lower()
    page.screenshot(path=str(screenshots / "widget-respuesta.png"))

    chip.click()
    passage = dialog.get_by_role("region", name=re.compile("Pasaje citado"))
    passage.wait_for()
    assert "Sección: 2. Conceptos básicos" in passage.inner_text()
    page.keyboard.press("Escape")
    assert passage.count() == 0
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.className") == "chip"

    answer.get_by_role("button", name="Sí, me sirvió").click()
    answer.get_by_text("¡Gracias por su opinión!").wait_for()
    rows = Store(live_server.settings.database_url).feedback()
    assert rows[-1]["rating"] == "up" and "objetivos" in rows[-1]["question"]

    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert launcher.is_visible() and launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.className") == "launcher"


def test_follow_up_keeps_the_conversation(page: Any) -> None:
    open_widget(page)
    ask(page, "¿Qué es una iniciativa cluster?")
    first = page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]")
    answer = ask(page, "¿y cuáles son sus objetivos?")
    assert "objetivos" in answer.locator(".chip").first.get_attribute("aria-label").lower()
    assert page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]") == first


def answer_current(dialog: Any, label: str = "Se ha ejecutado en forma parcial") -> None:
    dialog.get_by_role("group", name="Opciones de respuesta").get_by_role("button", name=label).click()


def wait_progress(dialog: Any, text: str) -> None:
    dialog.get_by_text(text, exact=True).wait_for()


def test_whole_diagnosis_by_clicks(page: Any, live_server: Any, screenshots: Path) -> None:
    dialog = open_widget(page)
    dialog.get_by_role("button", name="Hacer el autodiagnóstico").click()
    wait_progress(dialog, "Pregunta 1 de 13")
    bar = dialog.get_by_role("progressbar", name="Progreso del autodiagnóstico")
    assert bar.get_attribute("aria-valuenow") == "0" and bar.get_attribute("aria-valuemax") == "13"
    help_button = dialog.get_by_role("button", name="¿Qué significa?")
    help_button.click()
    assert help_button.get_attribute("aria-expanded") == "true"
    assert dialog.locator("#rcc-help").is_visible()
    assert dialog.get_by_role("button", name="Atrás").is_disabled()

    answer_current(dialog, "Se ha ejecutado en forma completa")
    wait_progress(dialog, "Pregunta 2 de 13")
    assert bar.get_attribute("aria-valuenow") == "1"
    dialog.get_by_role("button", name="Atrás").click()
    wait_progress(dialog, "Pregunta 1 de 13")
    labels = ["No se ha ejecutado", "Se ha ejecutado en forma parcial", "Se ha ejecutado en forma completa"]
    for n in range(1, 14):
        if n == 7:
            page.screenshot(path=str(screenshots / "widget-autodiagnostico.png"))
        answer_current(dialog, labels[n % 3])
        if n < 13:
            wait_progress(dialog, f"Pregunta {n + 1} de 13")

    dialog.get_by_role("heading", name="Resultado del autodiagnóstico").wait_for()
    text = dialog.inner_text()
    assert "Nivel de madurez:" in text and "Puntaje:" in text and "Avance por área" in text
    assert "Recomendaciones principales" in text
    chart = dialog.get_by_role("img", name=re.compile("^Gráfico de radar del avance por área"))
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('#asesor-rcc').shadowRoot.querySelector('.dx img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    report = dialog.get_by_role("link", name=re.compile("Ver el informe completo"))
    href = report.get_attribute("href")
    assert href.endswith("/report?format=html") and report.get_attribute("target") == "_blank"
    assert httpx.get(href).headers["content-type"].startswith("text/html")
    page.screenshot(path=str(screenshots / "widget-resultado.png"))


def test_reload_resumes_the_diagnosis_at_the_same_question(page: Any) -> None:
    dialog = open_widget(page)
    dialog.get_by_role("button", name="Hacer el autodiagnóstico").click()
    for n in range(1, 5):
        wait_progress(dialog, f"Pregunta {n} de 13")
        answer_current(dialog)
    wait_progress(dialog, "Pregunta 5 de 13")
    question = dialog.locator(".dx h3").inner_text()

    page.reload()
    dialog = page.get_by_role("dialog", name="Asesor de la Red Cluster Colombia")
    wait_progress(dialog, "Pregunta 5 de 13")  # reopened where the person was
    assert dialog.locator(".dx h3").inner_text() == question
    answer_current(dialog)
    wait_progress(dialog, "Pregunta 6 de 13")

    dialog.get_by_role("button", name="Volver al chat").click()
    assert "Continuar el autodiagnóstico" in dialog.locator(".start").inner_text()


def test_markup_is_shown_as_text_and_never_runs(page: Any) -> None:
    open_widget(page)
    payload = "<img src=x onerror=alert(1)> ¿Qué es un cluster?"
    answer = ask(page, payload)
    user = page.locator(".msg.user").last
    assert payload in user.inner_text()
    assert answer.locator(".chip").count() >= 1

    evil = "<img src=x onerror=alert(2)><script>alert(3)</script>"
    fake = {
        "question": "x",
        "answer": f"Texto {evil} [1]\n- {evil}",
        "in_scope": True,
        "citations": [{"n": 1, "section": evil, "text": evil, "score": 1.0, "id": ""}],
        "passages": [],
        "suggestions": [evil],
        "answerer": "extractive",
        "conversation_id": "conversacion-falsa",
    }
    events = "".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n"
        for name, data in [("token", {"text": evil}), ("answer", fake), ("done", {})]
    )
    page.route(
        "**/api/ask/stream",
        lambda route: route.fulfill(status=200, body=events, headers={"content-type": "text/event-stream"}),
    )
    answer = ask(page, "Una pregunta cualquiera")
    assert evil in answer.inner_text()
    answer.locator(".chip").click()
    page.get_by_role("region", name=re.compile("Pasaje citado")).wait_for()
    page.wait_for_timeout(300)
    assert page.locator("img[src='x']").count() == 0  # pierces the shadow root: no element was created
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_usable_on_a_360px_phone(browser: Any, live_server: Any, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    dialog = open_widget(page)
    box = dialog.bounding_box()
    assert box["x"] == 0 and box["width"] == 360 and box["height"] == 740  # full screen
    answer = ask(page, "¿Qué es el SSME?")
    assert answer.locator(".chip").count() >= 1
    overflow = page.evaluate(
        "() => { const p = document.querySelector('#asesor-rcc').shadowRoot"
        ".querySelector('.body'); return p.scrollWidth - p.clientWidth; }"
    )
    assert overflow <= 0
    send = dialog.get_by_role("button", name="Enviar").bounding_box()
    assert send["x"] + send["width"] <= 360
    page.screenshot(path=str(screenshots / "widget-360px.png"))
    context.close()


def test_portal_css_does_not_leak_into_the_widget(page: Any) -> None:
    portal_button = page.get_by_role("button", name="Un botón del portal")
    assert portal_button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 0, 0)"
    dialog = open_widget(page)
    send = dialog.get_by_role("button", name="Enviar")
    style = send.evaluate(
        "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.fontFamily, s.borderStyle, s.color]; }"
    )
    assert style[0] == "rgb(11, 93, 122)"  # data-color
    assert "Georgia" not in style[1] and "serif" != style[1].split(",")[-1].strip()
    assert style[2] != "dashed"
    greeting = dialog.locator(".msg.bot p").first
    assert greeting.evaluate("p => getComputedStyle(p).textTransform") == "none"
    assert greeting.evaluate("p => getComputedStyle(p).fontFamily").startswith("system-ui")


def test_no_serious_accessibility_violations(page: Any) -> None:
    axe_module = pytest.importorskip(
        "axe_playwright_python.sync_playwright",
        reason="instale axe-playwright-python para la revisión de accesibilidad",
    )

    def serious() -> list[str]:
        results = axe_module.Axe().run(page, context={"include": [["#asesor-rcc"]]})
        return [
            f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in results.response["violations"]
            if v.get("impact") in {"serious", "critical"}
        ]

    dialog = open_widget(page)
    dialog.get_by_role("group", name="Preguntas sugeridas").get_by_role("button").first.wait_for()
    ask(page, "¿Cuáles son los pilares de la gobernanza?")
    assert serious() == []
    dialog.get_by_role("button", name=re.compile("autodiagnóstico")).click()
    wait_progress(dialog, "Pregunta 1 de 13")
    answer_current(dialog)
    wait_progress(dialog, "Pregunta 2 de 13")
    dialog.get_by_role("button", name="¿Qué significa?").click()
    assert serious() == []
