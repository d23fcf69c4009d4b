"""The staff console over HTTP (FastAPI TestClient, real index, embedder and SQLite store).

Why: nothing of /staff may be reachable without a session, forms need their CSRF token, logins
are throttled and locked, and what people do in the widget (questions, 👎 with a reason, a
finished diagnosis with its department) must show up in the console's pages, JSON and CSV.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.api import create_app
from bot.compose import Services, build_services
from bot.console.accounts import Accounts
from bot.settings import Settings
from bot.staff import StaffNotConfigured
from bot.staff.routes import build_staff_router
from bot.staff.tables import PAGES
from bot.store import Store
from bot.store_staff import StaffStore

EMAIL, PASSWORD = "equipo@redcluster.test", "una-clave-larga-y-segura"


@pytest.fixture
def staff_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_session_secret": "s" * 32, "staff_flush_seconds": 0.05})


@pytest.fixture
def staff_services(staff_settings: Settings, shared_embedder) -> Iterator[Services]:
    """The composition root's services with the staff settings (the recorder writes every 0.05 s)."""
    built = build_services(staff_settings, embedder=shared_embedder)
    yield built
    built.close()


@pytest.fixture
def client(staff_settings: Settings, staff_services: Services, store: Store) -> Iterator[TestClient]:
    Accounts(StaffStore(store)).add(EMAIL, PASSWORD)
    with TestClient(create_app(staff_settings, staff_services), base_url="http://testserver") as test_client:
        yield test_client


def _csrf(html: str) -> str:
    return re.search(r'name=csrf value="([^"]+)"', html).group(1)


def login(client: TestClient, password: str = PASSWORD):
    token = _csrf(client.get("/staff/login").text)
    return client.post(
        "/staff/login", data={"email": EMAIL, "password": password, "csrf": token}, follow_redirects=False
    )


def _routes() -> list[tuple[str, str]]:
    """Every route of the /staff router (the one ``create_app`` includes) but the login form."""
    examples = {"{name}": "volumen-dias"}
    found = []
    for route in build_staff_router().routes:
        path = getattr(route, "path", "")
        if not path.startswith("/staff") or path == "/staff/login":
            continue
        for method in sorted(getattr(route, "methods", []) - {"HEAD"}):
            concrete = path
            for key, value in examples.items():
                concrete = concrete.replace(key, value)
            found.append((method, concrete.replace("{name}", "volumen")))
    return found


def test_nothing_of_staff_is_reachable_without_a_session(client: TestClient) -> None:
    routes = _routes()
    assert len(routes) >= 2 * len(PAGES) + 5  # pages, JSON, CSV, charts, marks, logout, home
    for method, path in routes + [("GET", "/staff/grafica/radar.png"), ("GET", "/staff/csv/sin-respuesta.csv")]:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code in (303, 401), (method, path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"] == "/staff/login"
        else:
            assert response.json()["error"]["code"] == "sesion_requerida"
    client.cookies.set("asesor_staff", "eyJhIjoxfQ.forged.sig", path="/staff")
    assert client.get("/staff/volumen", follow_redirects=False).status_code == 303  # a forged cookie is nothing
    client.cookies.clear()
    assert client.get("/metrics").status_code == 401  # metrics too: a token or a staff session


def test_login_pages_csv_charts_and_logout(client: TestClient) -> None:
    client.post("/api/ask", json={"question": "¿Qué es una iniciativa cluster?"})
    client.post("/api/ask", json={"question": "¿Cuánto cuesta el registro mercantil? mi correo es ana@x.co"})
    response = login(client)
    assert response.status_code == 303 and response.headers["location"] == "/staff/volumen"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Secure" not in cookie
    time.sleep(0.3)  # the recorder writes every 0.05 s here
    for page in PAGES:
        html = client.get(f"/staff/{page}?dias=7")
        assert html.status_code == 200 and "<h1>" in html.text, page
        assert "script" not in html.headers["content-security-policy"].replace("script-src", "")
        assert client.get(f"/staff/api/{page}.json?dias=7").status_code == 200
        for name in re.findall(r"/staff/csv/([\w-]+)\.csv", html.text):
            csv = client.get(f"/staff/csv/{name}.csv?dias=7")
            assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv"), name
        for name in re.findall(r"/staff/grafica/(\w+)\.png", html.text):
            image = client.get(f"/staff/grafica/{name}.png?dias=7")
            assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n", name
    volume = client.get("/staff/api/volumen.json").json()
    assert volume["total"] == 2 and volume["median_latency_ms"] > 0
    unanswered = client.get("/staff/sin-respuesta").text
    assert "[correo]" in unanswered and "ana@x.co" not in unanswered  # masked
    assert client.get("/staff/volumen?dias=12").status_code == 400  # a Spanish message, not a trace
    assert "7, 30 o 90" in client.get("/staff/volumen?dias=12").text
    csrf = _csrf(client.get("/staff/volumen").text)
    out = client.post("/staff/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/staff/volumen", follow_redirects=False).status_code == 303


def test_a_form_without_its_csrf_token_is_rejected(client: TestClient) -> None:
    assert client.post("/staff/login", data={"email": EMAIL, "password": PASSWORD, "csrf": "x"}).status_code == 403
    login(client)
    assert client.post("/staff/marcar", data={"mark": "reviewed", "key": "k", "question": "q"}).status_code == 403
    assert client.post("/staff/logout", data={"csrf": "falso"}).status_code == 403
    assert client.get("/staff/volumen", follow_redirects=False).status_code == 200  # still signed in


def test_wrong_passwords_lock_the_account(client: TestClient) -> None:
    for _ in range(4):
        response = login(client, "no-es-la-clave")
        assert response.status_code == 401 and "no son correctos" in response.text
    locked = login(client, "no-es-la-clave")
    assert locked.status_code == 401 and "bloqueada" in locked.text
    assert "bloqueada" in login(client).text  # even the right password waits out the lock


def test_feedback_reason_diagnosis_and_marks_reach_the_console(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": "¿Cuál es la capital de Francia?"}).json()
    vote = {
        "rating": "down",
        "question": answer["question"],
        "answer": answer["answer"],
        "reason": "cita_equivocada",
        "comment": "No era lo que pregunté",
        "conversation_id": answer["conversation_id"],
    }
    assert client.post("/api/feedback", json=vote).status_code == 201
    diagnosis = client.post("/api/diagnosis").json()["id"]
    for value in [0] * 5 + [2] * 8:
        client.post(f"/api/diagnosis/{diagnosis}/answer", json={"answer": value})
    profile = client.post(f"/api/diagnosis/{diagnosis}/perfil", json={"department": "Nariño", "sector": "Café"})
    assert profile.status_code == 204
    login(client)
    feedback = client.get("/staff/api/valoraciones.json").json()
    assert feedback["rates"]["down"] == 1 and feedback["thumbs_down"][0]["motivo"] == "Cita equivocada"
    summary = client.get("/staff/api/autodiagnostico.json?departamento=Nari%C3%B1o").json()
    assert summary["completed"] == 1 and summary["profiles"]["departments"] == ["Nariño"]
    assert [p["practica"] for p in summary["never"]] == [1, 2, 3, 4, 5]
    assert client.get("/staff/api/autodiagnostico.json?departamento=Antioquia").json()["completed"] == 0
    assert client.get("/staff/api/autodiagnostico.json?canal=web").json()["completed"] == 1  # the widget's channel
    assert client.get("/staff/api/autodiagnostico.json?canal=cli").json()["completed"] == 0
    groups = client.get("/staff/api/sin-respuesta.json").json()["groups"]
    assert groups[0]["question"] == "¿Cuál es la capital de Francia?"
    csrf = _csrf(client.get("/staff/sin-respuesta").text)
    marked = client.post(
        "/staff/marcar",
        data={
            "csrf": csrf,
            "mark": "eval",
            "key": groups[0]["keys"],
            "question": groups[0]["variants"],
            "back": "/staff/sin-respuesta",
        },
        follow_redirects=False,
    )
    assert marked.status_code == 303
    assert client.get("/staff/api/sin-respuesta.json").json()["groups"][0]["mark"] == "eval"
    client.delete(f"/api/conversations/{answer['conversation_id']}")  # «borrar mis datos»
    client.delete(f"/api/diagnosis/{diagnosis}")
    assert client.get("/staff/api/sin-respuesta.json").json()["groups"] == []
    assert client.get("/staff/api/autodiagnostico.json").json()["completed"] == 0


def test_production_refuses_the_staff_area_without_secret_or_account(settings: Settings, services: Services) -> None:
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(StaffNotConfigured, match="ASESOR_STAFF_SESSION_SECRET"):
        create_app(production, services)
    with pytest.raises(StaffNotConfigured, match="asesor staff add"):
        with TestClient(create_app(production.model_copy(update={"staff_session_secret": "x" * 32}), services)):
            pass
    create_app(production.model_copy(update={"staff_enabled": False}), services)  # no console offered: fine
