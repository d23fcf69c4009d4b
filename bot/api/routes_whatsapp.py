"""The WhatsApp Cloud API webhook, served by the same FastAPI app as the widget and Telegram.

Mounted only when WhatsApp is configured (``Settings.whatsapp_enabled``). GET is Meta's
verification handshake; POST takes a delivery, checks its signature and answers 200 at once: the
work runs after the response (``bot.whatsapp.app.accept``), so Meta never retries a slow answer.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

__all__ = ["WEBHOOK_PATH", "build_whatsapp_router"]

WEBHOOK_PATH = "/whatsapp/webhook"


def build_whatsapp_router() -> APIRouter:
    from bot.whatsapp.app import accept, verify_handshake

    router = APIRouter(tags=["Operación"])

    @router.get(WEBHOOK_PATH, include_in_schema=False)
    async def whatsapp_verify(request: Request) -> PlainTextResponse:
        params = request.query_params
        challenge = verify_handshake(
            request.app.state.settings,
            params.get("hub.mode"),
            params.get("hub.verify_token"),
            params.get("hub.challenge"),
        )
        return PlainTextResponse(challenge)

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def whatsapp_webhook(request: Request) -> JSONResponse:
        body = await request.body()
        accept(request.app.state.whatsapp, request.app.state.settings, body, request.headers.get("X-Hub-Signature-256"))
        return JSONResponse({"ok": True})

    return router
