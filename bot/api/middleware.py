"""Small pure-ASGI middlewares: body size limit, security headers, last-resort 500, Spanish CORS.

Why this exists: these concerns apply to every response, including errors produced before a route
runs (a 413, a CORS preflight, a crash). Pure ASGI (not ``BaseHTTPMiddleware``) keeps streaming
responses streaming and adds no task-group overhead per request.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability import REQUEST_ID, sane_request_id

from .errors import INTERNAL_MESSAGE, error_json

__all__ = [
    "MAX_BODY_BYTES",
    "BODY_TIMEOUT_SECONDS",
    "BodyLimitMiddleware",
    "CatchAllMiddleware",
    "SecurityHeadersMiddleware",
    "SpanishCORSMiddleware",
    "PAGE_CSP",
    "REPORT_CSP",
    "DATA_CSP",
]

log = logging.getLogger("bot.api")

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_SECONDS = 15.0

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""CSP of the demo page: scripts only from this origin (the widget), never inline."""

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
"""CSP of the HTML report: a self-contained document that runs no script at all."""

DATA_CSP = "default-src 'none'; frame-ancestors 'none'"
"""CSP of everything that is not a page (JSON, the widget script, reports): a browser that opens
one of them directly runs nothing and loads nothing."""


class BodyLimitMiddleware:
    """Reject bodies over ``limit`` bytes with 413 before anything parses them.

    Checks ``Content-Length`` first, then counts the bytes actually received (chunked uploads
    or a lying header). The body is buffered (at most ``limit`` bytes) and replayed to the app.
    A client that takes more than ``timeout`` seconds to send its whole body gets a 408 and the
    connection is closed (a slow client holds no worker: the server keeps serving the rest).
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, timeout: float = BODY_TIMEOUT_SECONDS) -> None:
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                await self._reject(scope, receive, send, 400)
                return
            if int(length) > self.limit:
                await self._reject(scope, receive, send, 413)
                return
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - asyncio.get_running_loop().time()))
            except TimeoutError:
                await self._reject(scope, receive, send, 408)
                return
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._reject(scope, receive, send, 413)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        if status == 413:
            response = error_json(
                413,
                "cuerpo_muy_grande",
                f"La solicitud es demasiado grande: el máximo es de {self.limit // 1024} KB.",
                {"Connection": "close"},
            )
        elif status == 408:
            response = error_json(
                408,
                "solicitud_lenta",
                f"La solicitud tardó más de {self.timeout:g} segundos en llegar. Intente de nuevo.",
                {"Connection": "close"},
            )
        else:
            response = error_json(400, "solicitud_invalida", "La cabecera Content-Length no es válida.")
        await response(scope, receive, send)


class CatchAllMiddleware:
    """Turn any unhandled exception into the Spanish 500 shape (logged, never shown)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception("error inesperado en %s %s", scope.get("method"), scope.get("path"))
            if started:
                return  # the status line is gone; the client sees a cut stream
            await error_json(500, "error_interno", INTERNAL_MESSAGE)(scope, receive, send)


class SecurityHeadersMiddleware:
    """Security headers on every response and an ``X-Request-ID`` (HTML routes set their CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = sane_request_id(Headers(scope=scope).get("x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)  # every log line of this request carries it

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if not headers.get("content-type", "").startswith("text/html"):  # HTML routes set their own
                    headers.setdefault("Content-Security-Policy", DATA_CSP)
                headers.setdefault("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            REQUEST_ID.reset(token)


class SpanishCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, but a refused preflight answers in the API's Spanish error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = error_json(
            400, "cors_no_permitido", "Este sitio web no está autorizado para consultar al asesor desde el navegador."
        )
        for key, value in response.headers.items():
            if key.lower().startswith("access-control-") or key.lower() == "vary":
                refused.headers[key] = value
        return refused
