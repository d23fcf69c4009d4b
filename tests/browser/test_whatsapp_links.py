"""The widget's hand-off links in a real Chromium: «Continuar en Telegram» and «Continuar en WhatsApp».

A real uvicorn serves the app with a bot username and a WhatsApp number configured; the test starts
a diagnosis by clicks, asks for the hand-off and checks both links (the t.me link ≤ 64 characters,
the code single-use and not the diagnosis id) and that the code really opens the diagnosis.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import free_port, stop_process

from bot.api.server import settings_environment
from bot.settings import ROOT, Settings

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def handoff_server(index_dir: Path, tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("No está /usr/bin/chromium: las pruebas de navegador necesitan el chromium de Debian")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        index_dir=index_dir,
        database_url=f"sqlite:///{tmp_path / 'asesor.sqlite3'}",
        allowed_origins=[url],
        rate_limit_per_minute=10_000,
        telegram_bot_username="asesor_cluster_bot",
        whatsapp_number="573009998877",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key, value in settings_environment(settings).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bot.api.app:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"El servidor no arrancó:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        yield url
    finally:
        stop_process(process)


def test_the_widget_offers_telegram_and_whatsapp_links(handoff_server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = chromium.new_context(locale="es-CO").new_page()
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
            diagnosis_id = page.evaluate(
                "() => Object.entries(localStorage).find(([k]) => k.endsWith(':diagnosis'))[1]"
            )
            assert tg_url == f"https://t.me/asesor_cluster_bot?start={code}" and len(tg_url) <= 64
            assert wa_url == f"https://wa.me/573009998877?text=Continuar%20{code}"
            assert code not in diagnosis_id and diagnosis_id not in tg_url + wa_url
            assert telegram.get_attribute("target") == "_blank" and "noopener" in telegram.get_attribute("rel")
            assert dialog.get_by_text(code, exact=False).count() >= 1  # the code is shown to type by hand
            assert errors == []
        finally:
            chromium.close()
