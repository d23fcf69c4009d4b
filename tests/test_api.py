"""The HTTP API end to end over a real index and a real SQLite store (FastAPI TestClient).

Why: the widget, Telegram's webhook and integrators depend on these routes and shapes
(docs/architecture.md); bad input and limits are covered in ``test_api_errors.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from auth_headers import METRICS_AUTH
from fastapi.testclient import TestClient
from polling import eventually

from bot.api import create_app
from bot.api.app import app_from_env
from bot.api.routes_ask import word_chunks
from bot.api.server import settings_environment
from bot.compose import Services
from bot.settings import Settings

WHAT_IS = "1. Introducción › ¿Qué es una Iniciativa Cluster?"


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def parse_sse(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_answers_with_citations_and_a_new_conversation(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "que es una iniciativa cluster"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"question", "answer", "in_scope", "citations", "passages", "suggestions", "conversation_id"}
    assert body["in_scope"] is True
    assert body["citations"][0]["section"] == WHAT_IS
    assert "[1]" in body["answer"]
    assert len(body["conversation_id"]) >= 16
    assert 1 <= len(body["passages"]) <= 10


def test_follow_up_uses_the_conversation(client: TestClient, store) -> None:
    first = client.post("/api/ask", json={"question": "¿Qué es una iniciativa cluster?"}).json()
    conversation = first["conversation_id"]
    second = client.post("/api/ask", json={"question": "¿y cuáles son sus objetivos?", "conversation_id": conversation})
    assert second.status_code == 200
    body = second.json()
    assert body["conversation_id"] == conversation
    assert any("objetivos" in c["section"].lower() for c in body["citations"])
    assert eventually(lambda: len(store.conversation(conversation_id=conversation)) == 2)  # written behind


def test_stream_sends_tokens_then_the_answer_then_done(client: TestClient) -> None:
    with client.stream("POST", "/api/ask/stream", json={"question": "que es una iniciativa cluster"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = parse_sse(text)
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"token"}
    answer = events[-2][1]
    assert isinstance(answer, dict)
    assert "".join(data["text"] for name, data in events if name == "token") == answer["answer"]  # type: ignore[index]
    assert len(names) - 2 > 10  # word by word
    assert answer["citations"][0]["section"] == WHAT_IS
    assert answer["conversation_id"]


def test_word_chunks_rebuild_the_text_exactly() -> None:
    text = "Entre los objetivos: [1]\n- Facilitar el cambio.\n- Fomentar  la cooperación. "
    assert "".join(word_chunks(text)) == text
    assert word_chunks("") == []


def test_refusal_is_counted_in_metrics(client: TestClient) -> None:
    refused = client.post("/api/ask", json={"question": "What is the weather like in London today?"}).json()
    assert refused["in_scope"] is False and refused["suggestions"]
    metrics = client.get("/metrics", headers=METRICS_AUTH)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'asesor_refusals_total{channel="web"} 1.0' in text
    assert 'asesor_http_requests_total{method="POST",route="/api/ask",status="200"} 1.0' in text
    assert 'asesor_http_request_duration_seconds_count{method="POST",route="/api/ask"} 1.0' in text


def test_full_diagnosis_with_back_and_reports(client: TestClient) -> None:
    started = client.post("/api/diagnosis")
    assert started.status_code == 201
    state = started.json()
    assert set(state) == {"id", "finished", "answered", "total", "progress", "question", "result"}
    assert state["question"]["index"] == 1 and state["total"] == 13
    assert [o["value"] for o in state["question"]["options"]] == [0, 1, 2]
    dx = f"/api/diagnosis/{state['id']}"

    assert client.get(f"{dx}/report", params={"format": "md"}).json()["error"]["code"] == "diagnostico_incompleto"

    step = client.post(f"{dx}/answer", json={"answer": 2}).json()
    assert step["accepted"] is True and step["message"] is None and step["question"]["index"] == 2
    back = client.post(f"{dx}/back").json()
    assert back["question"]["index"] == 1 and back["answered"] == 1

    not_understood = client.post(f"{dx}/answer", json={"answer": "¿qué es eso?"}).json()
    assert not_understood["accepted"] is False and "opciones" in not_understood["message"]
    assert not_understood["question"]["index"] == 1

    answers: list[int | str] = [1, "más o menos", 0, "sí, completo", 2, 1, 0, 2, 1, 2, "todavía no", 1, 2]
    for value in answers:
        state = client.post(f"{dx}/answer", json={"answer": value}).json()
        assert state["accepted"] is True
    assert state["finished"] is True and state["answered"] == 13 and state["question"] is None
    result = state["result"]
    assert result["level"]["name"] and result["areas"] and result["recommendations"]
    assert client.get(dx).json()["finished"] is True

    expected = {"md": "text/markdown", "html": "text/html", "png": "image/png", "pdf": "application/pdf"}
    for fmt, media in expected.items():
        report = client.get(f"{dx}/report", params={"format": fmt})
        assert report.status_code == 200, report.text
        assert report.headers["content-type"].startswith(media)
    assert client.get(f"{dx}/report", params={"format": "png"}).content.startswith(b"\x89PNG")
    assert client.get(f"{dx}/report", params={"format": "pdf"}).content.startswith(b"%PDF")
    html_report = client.get(f"{dx}/report")  # html by default
    assert "Resultado" in html_report.text or "Autodiagnóstico" in html_report.text
    assert "script-src" not in html_report.headers["content-security-policy"]
    assert "default-src 'none'" in html_report.headers["content-security-policy"]


def test_skip_and_restart(client: TestClient) -> None:
    state = client.post("/api/diagnosis").json()
    dx = f"/api/diagnosis/{state['id']}"
    skipped = client.post(f"{dx}/skip").json()
    assert skipped["question"]["index"] == 2 and skipped["answered"] == 0
    client.post(f"{dx}/answer", json={"answer": 1})
    restarted = client.post(f"{dx}/restart").json()
    assert restarted["id"] == state["id"] and restarted["answered"] == 0 and restarted["question"]["index"] == 1


def test_feedback_is_stored(client: TestClient, store) -> None:
    response = client.post(
        "/api/feedback",
        json={
            "rating": "down",
            "question": "¿Qué es el SSME?",
            "answer": "El SSME es…",
            "conversation_id": "conversacion-de-prueba",
            "comment": "Faltó un ejemplo.",
        },
    )
    assert response.status_code == 201
    assert response.json()["message"].startswith("¡Gracias")
    rows = store.feedback()
    assert rows[-1]["rating"] == "down" and rows[-1]["comment"] == "Faltó un ejemplo."
    assert rows[-1]["conversation_id"] == "conversacion-de-prueba"


def test_passage_suggestions_health(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": "que es una iniciativa cluster"}).json()
    passage_id = answer["citations"][0]["id"]
    passage = client.get(f"/api/passages/{passage_id}")
    assert passage.status_code == 200 and passage.json()["section"] == WHAT_IS
    suggestions = client.get("/api/suggestions").json()["suggestions"]
    assert "¿Qué es una iniciativa cluster?" in suggestions
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok" and health.json()["chunks"] > 0


def test_widget_and_demo_page(client: TestClient) -> None:
    widget = client.get("/widget.js")
    assert widget.status_code == 200
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in widget.text
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in widget.text, sink
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="/widget.js" data-api="http://testserver"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_openapi_documents_limits_errors_and_spanish(client: TestClient, settings: Settings) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["components"]["schemas"]["AskRequest"]
    assert ask["properties"]["question"]["maxLength"] == settings.max_question_chars
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    report = spec["paths"]["/api/diagnosis/{diagnosis_id}/report"]["get"]
    assert report["parameters"][1]["schema"]["$ref"].endswith("ReportFormat")


def test_lifespan_builds_the_services_from_settings(settings: Settings) -> None:
    app = create_app(settings)
    assert app.state.services is None
    with TestClient(app) as test_client:
        assert test_client.get("/health").status_code == 200
        assert app.state.services is not None


def test_app_from_env_and_settings_round_trip(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    custom = settings.model_copy(update={"rate_limit_per_minute": 7, "allowed_origins": ["https://redcluster.gov.co"]})
    for key, value in settings_environment(custom).items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    app = app_from_env()
    assert app.state.settings == custom
    assert app.state.services is None  # nothing heavy until the app starts
