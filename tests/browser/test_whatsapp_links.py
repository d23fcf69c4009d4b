"""The widget's hand-off links in a real Chromium: «Continuar en Telegram» and «Continuar en WhatsApp».

A real uvicorn serves the app with a bot username and a WhatsApp number configured; the test starts
a diagnosis by clicks, asks for the hand-off and checks both links (the t.me link ≤ 64 characters,
the code not the diagnosis id and shown to type by hand); redeeming it in Telegram and WhatsApp is
tests/test_whatsapp_handoff.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def handoff_server(serve_app, tmp_path: Path) -> Iterator[str]:
    with serve_app(tmp_path, telegram_bot_username="asesor_cluster_bot", whatsapp_number="573009998877") as server:
        yield server.url


def test_the_widget_offers_telegram_and_whatsapp_links(browser: Any, handoff_server: str) -> None:
    context = browser.new_context(locale="es-CO")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(handoff_server + "/")
        page.get_by_role("button", name="Abrir el asesor de la Red Cluster Colombia").click()
        dialog = page.get_by_role("dialog", name="Asesor de la Red Cluster Colombia")
        dialog.get_by_role("button", name="Hacer el autodiagnóstico").click()
        dialog.get_by_text("Pregunta 1 de 13", exact=True).wait_for()
        dialog.get_by_role("button", name="Se ha ejecutado en forma completa").click()
        dialog.get_by_text("Pregunta 2 de 13", exact=True).wait_for()
        with page.expect_response(re.compile(r"/handoff$")) as made:
            dialog.get_by_role("button", name="Continuar en el celular").click()
        assert made.value.status == 201
        telegram = dialog.get_by_role("link", name=re.compile("^Continuar en Telegram"))
        whatsapp = dialog.get_by_role("link", name=re.compile("^Continuar en WhatsApp"))
        telegram.wait_for()
        tg_url, wa_url = telegram.get_attribute("href"), whatsapp.get_attribute("href")
        code = made.value.json()["code"]
        diagnosis_id = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.endsWith(':diagnosis'))[1]")
        assert tg_url == f"https://t.me/asesor_cluster_bot?start={code}" and len(tg_url) <= 64
        assert wa_url == f"https://wa.me/573009998877?text=Continuar%20{code}"
        assert code not in diagnosis_id and diagnosis_id not in tg_url + wa_url
        assert telegram.get_attribute("target") == "_blank" and "noopener" in telegram.get_attribute("rel")
        assert dialog.get_by_text(code, exact=False).count() >= 1  # the code is shown to type by hand
        assert errors == []
    finally:
        context.close()
