"""Prometheus metrics for the HTTP API: request counts, latency per route template, refusals,
per-step answer timings (normalise, embed, search, bm25, answer), feedback and diagnoses.

Why this exists: a public service must be observable. Labels use the route *template*
(``/api/diagnosis/{diagnosis_id}``), never the raw path, so an id or a scanner probing random
URLs cannot blow up the number of series. Each app owns its registry, so several apps (tests,
workers) never collide on the global one.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ApiMetrics", "MetricsMiddleware", "CONTENT_TYPE_LATEST"]

_UNMATCHED = "sin_ruta"
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "asesor_http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "asesor_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "asesor_answers_total",
            "Answers given, by channel and answerer.",
            ["channel", "answerer"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "asesor_refusals_total",
            "Questions the advisor declined as out of scope.",
            ["channel"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "asesor_rate_limited_total",
            "Requests rejected by the per-client rate limit.",
            registry=self.registry,
        )
        self.shed = Counter(
            "asesor_shed_total",
            "Questions refused with 503 because the question lane was full.",
            registry=self.registry,
        )
        self.steps = Histogram(
            "asesor_answer_step_seconds",
            "Time spent in each step of answering a question "
            "(normalize, embed, search, bm25, answer; cache when the retrieval was cached).",
            ["step"],
            buckets=_STEP_BUCKETS,
            registry=self.registry,
        )
        self.feedback = Counter(
            "asesor_feedback_total",
            "Feedback received, by rating.",
            ["rating"],
            registry=self.registry,
        )
        self.diagnoses_completed = Counter(
            "asesor_diagnoses_completed_total",
            "Self-diagnoses that reached their result.",
            registry=self.registry,
        )
        self.deletions = Counter(
            "asesor_data_deletions_total",
            "Deletions of a person's data on request, by kind.",
            ["kind"],
            registry=self.registry,
        )

    def record_answer(self, answerer: str, channel: str = "web", *, kind: str | None = None) -> None:
        """Count one answer; a refusal is told by the answer's ``kind`` (small talk is not one)."""
        self.answers.labels(channel, answerer).inc()
        if (kind or ("refusal" if answerer == "refusal" else "answer")) == "refusal":
            self.refusals.labels(channel).inc()

    def observe_steps(self, steps: dict[str, float], _answer: object = None) -> None:
        """An answer hook (``Services.hooks``): one histogram sample per step of one answer."""
        for step, seconds in steps.items():
            self.steps.labels(step).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Times every HTTP request and counts it under its route template and final status."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        scope.setdefault("state", {})["received"] = start  # the question lane's budget counts from here
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or _UNMATCHED
            method = scope.get("method", "GET")
            method = method if method in _METHODS else "OTHER"
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - start)
