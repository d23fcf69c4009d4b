"""Bad input, limits and protections of the HTTP API: always a Spanish 4xx, never a 500.

Why: a public endpoint receives garbage (oversized bodies, broken JSON, markup, floods, other
origins). Each case must come back as ``{"error": {"code", "message"}}`` with a Spanish message
that names the problem, and the security headers must be on every response.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from auth_headers import METRICS_AUTH
from fastapi.testclient import TestClient

from bot.api import create_app
from bot.api.ratelimit import SlidingWindowLimiter
from bot.compose import Services
from bot.errors import Unavailable
from bot.settings import Settings

ENGLISH = (
    "Input should",
    "Field required",
    "JSON decode",
    "Not Found",
    "Method Not Allowed",
    "There was an error",
    "Traceback",
    "value is not",
    "String should",
    "Disallowed CORS",
)


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def assert_spanish_error(response: httpx.Response, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    message = body["error"]["message"]
    assert message and not any(fragment in message for fragment in ENGLISH), message
    if code:
        assert body["error"]["code"] == code
    return message


def post_raw(
    client: TestClient, path: str, content: bytes | Any, content_type: str = "application/json"
) -> httpx.Response:
    return client.post(path, content=content, headers={"content-type": content_type})


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"question": ""}, 422, ["question", "vacío"]),
        ({"question": "   "}, 422, ["vacía"]),
        ({"question": "x" * 1001}, 422, ["question", "1000"]),
        ({}, 422, ["question", "obligatorio"]),
        ({"question": 42}, 422, ["question", "texto"]),
        ({"question": "hola", "conversation_id": "../../etc"}, 422, ["conversation_id"]),
        ({"question": "hola", "otro": 1}, 422, ["otro"]),
    ],
)
def test_bad_questions_are_spanish_422(client: TestClient, payload: dict, status: int, words: list[str]) -> None:
    for path in ("/api/ask", "/api/ask/stream"):
        message = assert_spanish_error(client.post(path, json=payload), status)
        assert all(word in message for word in words), message


def test_body_problems(client: TestClient) -> None:
    assert_spanish_error(post_raw(client, "/api/ask", b'{"question": "\xff\xfe hola"}'), 400)
    assert "JSON" in assert_spanish_error(post_raw(client, "/api/ask", b'{"question": '), 422, "json_invalido")
    assert "Content-Type" in assert_spanish_error(
        post_raw(client, "/api/ask", b'{"question": "hola"}', "text/plain"), 422
    )
    assert_spanish_error(client.post("/api/ask", json=["una", "lista"]), 422)
    big = b'{"question": "' + b"a" * 70_000 + b'"}'
    assert "64 KB" in assert_spanish_error(post_raw(client, "/api/ask", big), 413, "cuerpo_muy_grande")
    assert_spanish_error(post_raw(client, "/api/feedback", big), 413)


def test_streamed_body_over_the_limit_is_413_without_content_length(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(20):
            yield b"b" * 4096
        yield b'"}'

    response = post_raw(client, "/api/ask", chunks())
    assert_spanish_error(response, 413)


def test_markup_in_a_question_comes_back_as_inert_json(client: TestClient) -> None:
    question = "<script>alert(1)</script><img src=x onerror=alert(1)> ¿qué es un cluster?"
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["question"] == question  # echoed as data, never rendered here


def test_routes_methods_and_ids(client: TestClient) -> None:
    assert_spanish_error(client.get("/no-existe"), 404, "ruta_no_encontrada")
    assert_spanish_error(client.get("/api/ask"), 405, "metodo_no_permitido")
    assert_spanish_error(client.get("/api/diagnosis/no-existe"), 404, "diagnostico_no_encontrado")
    assert_spanish_error(client.post("/api/diagnosis/no-existe/answer", json={"answer": 1}), 404)
    for action in ("back", "skip", "restart"):
        assert_spanish_error(client.post(f"/api/diagnosis/no-existe/{action}"), 404)
    assert_spanish_error(client.get("/api/diagnosis/no-existe/report"), 404)
    assert_spanish_error(client.get("/api/passages/no-existe"), 404, "pasaje_no_encontrado")
    assert_spanish_error(client.get("/api/diagnosis/" + "x" * 65), 422)


@pytest.mark.parametrize("answer", [5, -1, True, 1.5, "", None, [1], {"v": 1}, "x" * 501])
def test_invalid_diagnosis_answers(client: TestClient, answer: Any) -> None:
    state = client.post("/api/diagnosis").json()
    message = assert_spanish_error(client.post(f"/api/diagnosis/{state['id']}/answer", json={"answer": answer}), 422)
    assert "answer" in message
    assert client.get(f"/api/diagnosis/{state['id']}").json()["answered"] == 0


def test_wrong_report_format_and_unfinished_report(client: TestClient) -> None:
    state = client.post("/api/diagnosis").json()
    message = assert_spanish_error(client.get(f"/api/diagnosis/{state['id']}/report", params={"format": "docx"}), 422)
    assert "format" in message and "pdf" in message
    assert_spanish_error(
        client.get(f"/api/diagnosis/{state['id']}/report", params={"format": "pdf"}), 422, "diagnostico_incompleto"
    )


def test_feedback_validation(client: TestClient) -> None:
    base = {"rating": "up", "question": "¿Qué es un cluster?", "answer": "Un cluster es…"}
    assert_spanish_error(client.post("/api/feedback", json={**base, "rating": "meh"}), 422)
    assert "1000" in assert_spanish_error(client.post("/api/feedback", json={**base, "comment": "c" * 1001}), 422)
    assert_spanish_error(client.post("/api/feedback", json={"rating": "up"}), 422)


def test_rate_limit_answers_429_with_retry_after(settings: Settings, services) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 3})
    with TestClient(create_app(limited, services)) as client:
        for _ in range(3):
            assert client.get("/api/suggestions").status_code == 200
        response = client.get("/api/suggestions")
        message = assert_spanish_error(response, 429, "demasiadas_solicitudes")
        assert "por minuto" in message
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert client.get("/health").status_code == 200  # operations are not limited
        assert "asesor_rate_limited_total 1.0" in client.get("/metrics", headers=METRICS_AUTH).text


def test_sliding_window_limiter() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.hit("a").allowed and limiter.hit("a").allowed
    denied = limiter.hit("a")
    assert not denied.allowed and denied.retry_after == 60
    assert limiter.hit("b").allowed  # per client
    now[0] += 30
    assert limiter.hit("a").retry_after == 30
    now[0] += 30.5
    assert limiter.hit("a").allowed


def test_cors_allows_only_configured_origins(client: TestClient, settings: Settings) -> None:
    allowed = settings.allowed_origins[0]
    ok = client.post("/api/diagnosis", headers={"Origin": allowed})
    assert ok.headers["access-control-allow-origin"] == allowed
    other = client.post("/api/diagnosis", headers={"Origin": "https://sitio-ajeno.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    good = client.options("/api/ask", headers={"Origin": allowed, **preflight})
    assert good.status_code == 200 and good.headers["access-control-allow-origin"] == allowed
    bad = client.options("/api/ask", headers={"Origin": "https://sitio-ajeno.example", **preflight})
    assert_spanish_error(bad, 400, "cors_no_permitido")
    assert "access-control-allow-origin" not in bad.headers


def test_security_headers_everywhere(client: TestClient) -> None:
    for response in (
        client.get("/"),
        client.get("/health"),
        client.get("/widget.js"),
        client.get("/nada"),
        client.post("/api/ask", json={}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-request-id"]
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


class _Broken:
    """Services whose every call fails: unexpectedly, or because the store is down."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        if name in {"answers", "diagnoses", "personal_data", "chat_state", "operations"}:
            return self
        if name == "hooks":
            raise AttributeError(name)

        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise self.error

        return fail


def test_unexpected_errors_are_a_spanish_500_without_details(settings: Settings) -> None:
    with TestClient(create_app(settings, _Broken(RuntimeError("secreto interno")))) as client:  # type: ignore[arg-type]
        for response in (client.post("/api/ask", json={"question": "hola"}), client.post("/api/diagnosis")):
            message = assert_spanish_error(response, 500, "error_interno")
            assert "secreto" not in response.text and "RuntimeError" not in response.text
            assert "inesperado" in message
            assert response.headers["x-content-type-options"] == "nosniff"


def test_store_down_is_503(settings: Settings) -> None:
    down = Unavailable("El asesor no puede guardar ni leer datos en este momento.", code="almacen_no_disponible")
    with TestClient(create_app(settings, _Broken(down))) as client:  # type: ignore[arg-type]
        response = client.post("/api/diagnosis")
        assert_spanish_error(response, 503, "almacen_no_disponible")
        assert response.headers["retry-after"]
