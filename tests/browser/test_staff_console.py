"""The staff console in a real Chromium against the real server (Playwright, sync API).

Why: staff use the console in a browser. These tests log in (and fail to, and get locked), send
a forged form, open every page, chart and CSV, and check that what a person does in the widget —
a 👎 with a reason, a finished diagnosis with its department — shows up in the console. The
pages are screenshotted into ``staff-*.png`` (``artifacts/screenshots/`` or ``$ASESOR_SCREENSHOTS``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.accounts import Accounts
from bot.settings import Settings
from bot.store import Store
from bot.store_staff import StaffStore

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "equipo@redcluster.test", "clave-del-equipo-larga"
LOCKED_EMAIL = "bloqueo@redcluster.test"
PAGES = ["volumen", "sin-respuesta", "valoraciones", "preguntas", "autodiagnostico"]


def _accounts(settings: Settings) -> None:
    store = Store(settings.database_url)
    accounts = Accounts(StaffStore(store))
    accounts.add(EMAIL, PASSWORD)
    accounts.add(LOCKED_EMAIL, PASSWORD)
    store.close()


@pytest.fixture(scope="module")
def staff_server(serve_app, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("consola")
    with serve_app(folder, prepare=_accounts, staff_session_secret="b" * 40, staff_max_failures=3) as server:
        yield server.url


@pytest.fixture
def page(open_page: Any, staff_server: str) -> Iterator[Any]:
    with open_page(height=900) as opened:
        yield opened


def login(page: Any, url: str, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.goto(f"{url}/staff/login")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()


def until(page: Any, url: str, text: str, timeout: float = 20) -> str:
    """Reload ``url`` until ``text`` shows (the recorder writes every half second)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        body = page.inner_text("main")
        if text in body or time.monotonic() > deadline:
            return body
        time.sleep(0.4)


def test_wrong_password_lock_and_nothing_without_a_session(page: Any, staff_server: str) -> None:
    page.goto(f"{staff_server}/staff/autodiagnostico")
    assert page.url.endswith("/staff/login")  # no session: the login form, nothing else
    login(page, staff_server, password="no-es-esta")
    assert "no son correctos" in page.get_by_role("alert").inner_text()
    for _ in range(3):  # ASESOR_STAFF_MAX_FAILURES=3
        login(page, staff_server, LOCKED_EMAIL, "tampoco-es-esta")
    assert "bloqueada" in page.get_by_role("alert").inner_text()
    login(page, staff_server, LOCKED_EMAIL, PASSWORD)  # the right password waits out the lock
    assert "bloqueada" in page.get_by_role("alert").inner_text()
    assert page.request.get(f"{staff_server}/staff/csv/volumen-dias.csv").status == 401


def test_widget_feedback_and_diagnosis_reach_every_page(page: Any, staff_server: str, screenshots: Path) -> None:
    shots = screenshots
    page.goto(staff_server + "/")
    page.get_by_role("button", name="Abrir el asesor de la Red Cluster Colombia").click()
    dialog = page.get_by_role("dialog", name="Asesor de la Red Cluster Colombia")
    for n, question in enumerate(
        ("¿Qué es una iniciativa cluster?", "¿Cuánto cuesta registrar una marca? escriba a ana@x.co"), start=1
    ):
        box = page.get_by_role("textbox", name="Escriba su pregunta")
        box.fill(question)
        box.press("Enter")
        page.wait_for_function(
            "n => document.querySelector('#asesor-rcc').shadowRoot.querySelectorAll('.msg.bot .fb').length >= n", arg=n
        )
    answer = dialog.locator(".msg.bot").last
    answer.get_by_role("button", name="No me sirvió").click()
    dialog.get_by_role("button", name="Cita equivocada").click()
    dialog.get_by_role("textbox", name="Cuéntenos en pocas palabras (opcional)").fill("Esperaba otra sección")
    dialog.locator(".fbsend").click()
    dialog.get_by_text("¡Gracias por su opinión!").wait_for()
    dialog.get_by_role("button", name="Hacer el autodiagnóstico").click()
    for n in range(1, 14):
        dialog.get_by_text(f"Pregunta {n} de 13", exact=True).wait_for()
        label = "No se ha ejecutado" if n <= 2 else "Se ha ejecutado en forma completa"
        dialog.get_by_role("group", name="Opciones de respuesta").get_by_role("button", name=label).click()
    dialog.get_by_role("heading", name="Resultado del autodiagnóstico").wait_for()
    dialog.get_by_role("textbox", name="Departamento").fill("Nariño")
    dialog.get_by_role("textbox", name="Sector").fill("Café")
    dialog.get_by_role("button", name="Guardar").click()
    dialog.get_by_text("¡Gracias! Quedó guardado.").wait_for()

    login(page, staff_server)
    assert page.url.endswith("/staff/volumen")
    body = until(page, f"{staff_server}/staff/valoraciones", "Esperaba otra sección")
    assert "Cita equivocada" in body and "Esperaba otra sección" in body
    body = until(page, f"{staff_server}/staff/autodiagnostico?departamento=Nari%C3%B1o", "Autodiagnósticos completados")
    assert re.search(r"1\s*Autodiagnósticos completados", body), body[:400]
    assert "Práctica" in body and "«No ejecutado»" in body
    body = until(page, f"{staff_server}/staff/sin-respuesta", "[correo]")
    assert "[correo]" in body and "ana@x.co" not in body
    for name in PAGES:
        page.goto(f"{staff_server}/staff/{name}?dias=30")
        assert page.get_by_role("heading", level=1).inner_text()
        page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=str(shots / f"staff-{name}.png"), full_page=True)
        links = page.locator("a[href*='/staff/csv/']")
        assert links.count() >= 1
        for i in range(links.count()):
            csv = page.request.get(staff_server + links.nth(i).get_attribute("href"))
            assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
            assert csv.text().lstrip("\ufeff").split("\n", 1)[0]  # a header row


def test_forged_form_is_rejected_and_logout_ends_the_session(page: Any, staff_server: str) -> None:
    login(page, staff_server)
    page.goto(f"{staff_server}/staff/sin-respuesta")
    page.evaluate("() => document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'falso')")
    if page.locator("form.marks button").count():
        page.locator("form.marks button").first.click()
    else:  # no group to mark: the logout form carries the same token
        page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_load_state()
    assert "Solicitud rechazada" in page.inner_text("main")
    page.goto(f"{staff_server}/staff/volumen")
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(re.compile(r"/staff/login$"))
    page.goto(f"{staff_server}/staff/volumen")
    assert page.url.endswith("/staff/login")
