"""Webhook mode: check and enqueue updates that Telegram POSTs to us.

Why this exists: with several API workers (DESIGN.md's scale-out path) Telegram must push
updates instead of one process polling. ``process_webhook_update`` is what any HTTP route calls
(the FastAPI route lives in ``bot.api``): it checks the ``X-Telegram-Bot-Api-Secret-Token``
header against ``settings.telegram_webhook_secret`` in constant time and puts the update on the
running application's queue, so the route answers Telegram at once. ``webhook_lifespan`` starts
and stops an application for such a route; ``serve_webhook`` is the standalone server used by
``asesor telegram`` when ``ASESOR_TELEGRAM_WEBHOOK_URL`` is set.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import Application

from bot.advisor import Advisor
from bot.errors import AdvisorError, InvalidInput
from bot.settings import Settings

from . import texts
from .app import ALLOWED_UPDATES, NetworkPolicy, build_application
from .state import runtime

__all__ = ["SECRET_HEADER", "WebhookForbidden", "process_webhook_update", "serve_webhook", "webhook_app",
           "webhook_lifespan", "webhook_path"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookForbidden(AdvisorError):
    status = 403
    code = "webhook_no_autorizado"


async def process_webhook_update(application: Application, payload: dict, secret_header: str | None) -> None:
    """Verify the secret header and enqueue the update; raises ``WebhookForbidden`` (403) or
    ``InvalidInput`` (422). The application must be started (``application.start()``)."""
    expected = runtime(application).settings.webhook_secret()  # configured or generated: never unsigned
    if not secret_header or not hmac.compare_digest(secret_header.encode(), expected.encode()):
        raise WebhookForbidden(texts.WEBHOOK_FORBIDDEN)
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise InvalidInput(texts.WEBHOOK_BAD_PAYLOAD, code="webhook_cuerpo_invalido")
    try:
        update = Update.de_json(payload, application.bot)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(texts.WEBHOOK_BAD_PAYLOAD, code="webhook_cuerpo_invalido") from error
    await application.update_queue.put(update)


@asynccontextmanager
async def webhook_lifespan(settings: Settings, advisor: Advisor, *,
                           network: NetworkPolicy | None = None) -> AsyncIterator[Application]:
    """A started application with the webhook registered at ``settings.telegram_webhook_url``."""
    application = build_application(settings, advisor, network=network)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(url=settings.telegram_webhook_url,
                                          secret_token=settings.webhook_secret(),
                                          allowed_updates=ALLOWED_UPDATES)
        await application.start()
        try:
            yield application
        finally:
            await application.stop()


def webhook_path(settings: Settings) -> str:
    return urlparse(settings.telegram_webhook_url or "").path or "/telegram/webhook"


def webhook_app(get_application: Callable[[], Application], path: str, lifespan=None):
    """A minimal Starlette app with the webhook route, for the standalone server and tests.

    ``get_application`` is called per request: the application may be created by the lifespan."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def receive(request: Request) -> JSONResponse:
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        try:
            await process_webhook_update(get_application(), payload, request.headers.get(SECRET_HEADER))
        except AdvisorError as error:
            return JSONResponse({"error": {"code": error.code, "message": error.message}}, status_code=error.status)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route(path, receive, methods=["POST"])], lifespan=lifespan)


def serve_webhook(settings: Settings, advisor: Advisor | None = None, *, host: str = "127.0.0.1",
                  port: int = 8081) -> None:
    """Register the webhook and serve it on ``host:port`` until interrupted (behind a TLS reverse proxy)."""
    import uvicorn

    advisor = advisor or Advisor.from_settings(settings)
    holder: dict[str, Application] = {}

    @asynccontextmanager
    async def lifespan(_app) -> AsyncIterator[None]:
        async with webhook_lifespan(settings, advisor) as application:
            holder["application"] = application
            yield

    app = webhook_app(lambda: holder["application"], webhook_path(settings), lifespan=lifespan)
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True)
