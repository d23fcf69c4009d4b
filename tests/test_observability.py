"""JSON logs with a request id on every line of a request, and the Prometheus metrics.

Why: an operator follows one request through every line it logged (the access line, the answer's
step timings logged from a worker thread) and watches /metrics: requests and latency per route
template, per-step answer timings, refusals, feedback and completed diagnoses.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from auth_headers import METRICS_AUTH
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.advisor import Advisor
from bot.api import create_app
from bot.observability import JsonFormatter, configure_logging, flush_logs, sane_request_id, secret_values
from bot.settings import Settings


@pytest.fixture
def log_stream(settings: Settings) -> Iterator[io.StringIO]:
    """Route every logger to a JSON stream for one test, then put logging back as it was."""
    root = logging.getLogger()
    saved = (
        list(root.handlers),
        root.level,
        {
            name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    )
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "json", "log_level": "INFO"}), stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, (handlers, propagate) in saved[2].items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate


def _lines(stream: io.StringIO) -> list[dict]:
    flush_logs()  # lines are written by the log writer thread
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_line_of_a_request_carries_its_request_id(settings: Settings, log_stream: io.StringIO, services) -> None:
    with TestClient(create_app(settings, services)) as client:
        response = client.post(
            "/api/ask", json={"question": "¿Qué es la gobernanza?"}, headers={"X-Request-ID": "prueba-123"}
        )
        assert response.headers["x-request-id"] == "prueba-123"
        logging.getLogger("bot.test").info("fuera de toda solicitud")
        other = client.post("/api/ask", json={"question": "¿Qué es un cluster?"})
    lines = _lines(log_stream)
    answer = [line for line in lines if line["message"] == "respuesta"]
    assert [line["request_id"] for line in answer] == ["prueba-123", other.headers["x-request-id"]]
    assert set(answer[0]["steps_ms"]) >= {"normalize", "embed", "search", "answer"}
    assert answer[0]["answerer"] == "extractive" and answer[0]["in_scope"] is True
    assert "gobernanza" not in log_stream.getvalue(), "questions are personal data: never logged"
    outside = next(line for line in lines if line["message"] == "fuera de toda solicitud")
    assert outside["request_id"] is None
    assert all({"ts", "level", "logger", "message", "request_id"} <= set(line) for line in lines)


def test_request_ids_from_outside_are_accepted_only_when_sane() -> None:
    assert sane_request_id("abc-123_X.y") == "abc-123_X.y"
    for hostile in ("", None, "a" * 65, "id con espacios", "x\r\nSet-Cookie: a=b", '{"level": "ERROR"}'):
        assert re.fullmatch(r"[0-9a-f]{16}", sane_request_id(hostile))


def test_json_lines_carry_the_traceback_and_never_a_secret(settings: Settings) -> None:
    secret_settings = settings.model_copy(
        update={"telegram_token": "999999:SECRETO-del-bot", "llm_api_key": "sk-ABCDEF123"}
    )
    assert set(secret_values(secret_settings)) >= {"999999:SECRETO-del-bot", "sk-ABCDEF123"}
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(secret_settings, stream=stream)
        try:
            raise RuntimeError("falló con https://api.telegram.org/bot999999:SECRETO-del-bot/getMe")
        except RuntimeError:
            logging.getLogger("bot.test").exception("error con clave %s", "sk-ABCDEF123")
        flush_logs()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    [line] = [json.loads(raw) for raw in stream.getvalue().splitlines() if "error con clave" in raw]
    assert line["level"] == "ERROR" and "RuntimeError" in line["exc"]
    assert "SECRETO" not in stream.getvalue() and "sk-ABCDEF123" not in stream.getvalue()
    assert JsonFormatter().format(logging.LogRecord("x", 20, "f", 1, "hola %s", ("mundo",), None))


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_cover_routes_steps_refusals_feedback_and_diagnoses(settings: Settings, services) -> None:
    with TestClient(create_app(settings, services)) as client:
        client.post("/api/ask", json={"question": "¿Qué es una iniciativa cluster?"})
        client.post("/api/ask", json={"question": "¿Quién ganó el mundial de fútbol?"})  # refused
        client.post("/api/feedback", json={"rating": "down", "question": "q", "answer": "a"})
        diagnosis_id = client.post("/api/diagnosis").json()["id"]
        for _ in range(13):
            client.post(f"/api/diagnosis/{diagnosis_id}/answer", json={"answer": 2})
        client.post(f"/api/diagnosis/{diagnosis_id}/answer", json={"answer": 2})  # already finished
        client.get("/wp-admin/setup-config.php")  # a scanner
        text = client.get("/metrics", headers=METRICS_AUTH).text
    samples = _samples(text)
    assert diagnosis_id not in text and "wp-admin" not in text, "routes are templates, never raw paths"
    assert (
        samples[
            (
                "asesor_http_requests_total",
                (("method", "POST"), ("route", "/api/diagnosis/{diagnosis_id}/answer"), ("status", "200")),
            )
        ]
        == 14
    )
    assert samples[("asesor_http_requests_total", (("method", "GET"), ("route", "sin_ruta"), ("status", "404")))] == 1
    assert samples[("asesor_http_request_duration_seconds_count", (("method", "POST"), ("route", "/api/ask")))] == 2
    for step in ("normalize", "embed", "search", "answer"):
        assert samples[("asesor_answer_step_seconds_count", (("step", step),))] >= 1, step
    assert samples[("asesor_refusals_total", (("channel", "web"),))] == 1
    assert samples[("asesor_feedback_total", (("rating", "down"),))] == 1
    assert samples[("asesor_diagnoses_completed_total", ())] == 1


def test_a_cached_retrieval_is_timed_as_cache_not_as_a_fresh_search(advisor: Advisor, services) -> None:
    seen: list[dict[str, float]] = []
    services.hooks.add(lambda steps, _answer: seen.append(steps))
    advisor.ask("¿Qué son las fases?")
    advisor.ask("¿Qué son las fases?")
    assert {"normalize", "embed", "search", "answer"} <= set(seen[0]) and "cache" not in seen[0]
    assert set(seen[1]) == {"cache", "answer"}


def test_lines_still_queued_at_exit_are_written(tmp_path) -> None:
    """The log writer is a background thread: a process that ends right after logging loses no line."""
    import subprocess
    import sys

    from bot.settings import ROOT

    program = (
        "import logging; from bot.observability import configure_logging; from bot.settings import Settings;"
        "configure_logging(Settings(log_format='json'));"
        "[logging.getLogger('bot.test').warning('línea %d', i) for i in range(500)]"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [line["message"] for line in lines] == [f"línea {i}" for i in range(500)]
