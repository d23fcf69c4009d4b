"""«Borrar mis datos» in the widget, in a real Chromium against the real server.

Why: Ley 1581 de 2012 gives visitors the right to delete their data; the widget's button must
actually remove the conversation and the diagnosis from the server's store, not only forget
them in the browser, and ask first.
"""

from __future__ import annotations

from typing import Any

import pytest
from polling import eventually

from bot.store import Store

pytestmark = pytest.mark.browser


def test_the_delete_button_asks_then_removes_the_data_from_the_server(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
    page = context.new_page()
    prompts: list[str] = []
    errors: list[str] = []
    answers = iter([False, True])  # the first time the visitor changes their mind

    def on_dialog(dialog: Any) -> None:
        prompts.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Abrir el asesor de la Red Cluster Colombia").click()
        dialog = page.get_by_role("dialog", name="Asesor de la Red Cluster Colombia")
        assert "Ley 1581 de 2012" in dialog.locator(".privacy").inner_text()
        box = page.get_by_role("textbox", name="Escriba su pregunta")
        box.fill("¿Qué es una iniciativa cluster?")
        box.press("Enter")
        page.locator(".msg.bot .fb").last.wait_for()
        conversation = page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]")
        store = Store(live_server.settings.database_url)
        assert eventually(lambda: store.conversation(conversation_id=conversation))  # turns are written behind

        button = dialog.get_by_role("button", name="Borrar mis datos")
        button.click()
        assert store.conversation(conversation_id=conversation), "dismissing the confirmation deletes nothing"
        button.click()
        dialog.get_by_text("Listo: borramos sus datos del asesor.").wait_for()
        assert prompts and all("No se puede deshacer" in p for p in prompts)
        assert store.conversation(conversation_id=conversation) == []
        assert page.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':conversation')).length") == 0
        assert errors == []
    finally:
        context.close()
