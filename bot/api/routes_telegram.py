"""The Telegram webhook, served by the same FastAPI app as the widget: the one webhook server.

Mounted only when ``ASESOR_TELEGRAM_WEBHOOK_URL`` and a token are set: the app's lifespan starts a
python-telegram-bot ``Application`` and registers the webhook; any worker can take an update.
Checking the secret header and parsing the update is ``bot.telegram.webhook``'s job.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.settings import Settings

__all__ = ["telegram_enabled", "build_telegram_router"]


def telegram_enabled(settings: Settings) -> bool:
    return bool(settings.telegram_webhook_url and settings.telegram_token)


def build_telegram_router(settings: Settings) -> APIRouter:
    from bot.telegram.webhook import SECRET_HEADER, process_webhook_update, webhook_path

    router = APIRouter(tags=["Operación"])

    @router.post(
        webhook_path(settings),
        summary="Webhook de Telegram",
        description="Recibe las actualizaciones que envía Telegram; exige el encabezado secreto configurado.",
        include_in_schema=False,
    )
    async def telegram_webhook(request: Request) -> JSONResponse:
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        await process_webhook_update(request.app.state.telegram, payload, request.headers.get(SECRET_HEADER))
        return JSONResponse({"ok": True})

    return router
