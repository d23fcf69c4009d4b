"""Webhook mode: check and enqueue updates that Telegram POSTs to us.

Why this exists: with several API workers Telegram must push updates instead of one process
polling. ``process_webhook_update`` is what the one webhook route calls (the FastAPI route in
``bot.api.routes_telegram``): it checks the ``X-Telegram-Bot-Api-Secret-Token`` header against
``settings.telegram_webhook_secret`` in constant time and puts the update on the running
application's queue, so the route answers Telegram at once. ``webhook_lifespan`` starts and
stops an application for that route (the HTTP app's lifespan enters it).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import Application

from bot.errors import AdvisorError, InvalidInput
from bot.settings import Settings

from . import texts
from .app import ALLOWED_UPDATES, NetworkPolicy, build_application
from .state import runtime

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["SECRET_HEADER", "WebhookForbidden", "process_webhook_update", "webhook_lifespan", "webhook_path"]

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
async def webhook_lifespan(
    settings: Settings, services: Services, *, network: NetworkPolicy | None = None
) -> AsyncIterator[Application]:
    """A started application with the webhook registered at ``settings.telegram_webhook_url``."""
    application = build_application(settings, services, network=network)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(
            url=settings.telegram_webhook_url, secret_token=settings.webhook_secret(), allowed_updates=ALLOWED_UPDATES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.stop()


def webhook_path(settings: Settings) -> str:
    return urlparse(settings.telegram_webhook_url or "").path or "/telegram/webhook"
