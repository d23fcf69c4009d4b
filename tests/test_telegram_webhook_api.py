"""The Telegram webhook served by the FastAPI app itself, against the fake Bot API on loopback."""

from __future__ import annotations

import httpx

from bot.api.app import create_app
from bot.telegram import texts
from bot.telegram.state import runtime
from bot.telegram.webhook import SECRET_HEADER

CHAT = 4242


async def test_the_api_app_registers_and_serves_the_webhook(fake, bot_settings, services):
    settings = bot_settings.model_copy(
        update={
            "telegram_webhook_url": "https://asesor.example/telegram/webhook",
            "telegram_webhook_secret": "s3cret-value",
        }
    )
    app = create_app(settings, services)
    update = {"update_id": 7, "message": fake.user_message(CHAT, text="/ayuda")}
    async with app.router.lifespan_context(app):
        assert fake.webhook == {"url": settings.telegram_webhook_url, "secret_token": "s3cret-value"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://asesor") as client:
            denied = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "otra"})
            accepted = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "s3cret-value"})
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "webhook_no_autorizado"
        assert accepted.status_code == 200
        await fake.wait_for(lambda: fake.bot_messages(CHAT), what="the reply to /ayuda")
        assert fake.bot_messages(CHAT)[0]["text"].startswith(texts.HELP_TITLE)
        # One question lane per process: the webhook bot and the HTTP routes share the services' lane.
        assert runtime(app.state.telegram).lane is app.state.question_lane is services.question_lane


def test_without_webhook_settings_there_is_no_route(settings, services):
    app = create_app(settings, services)
    assert not any(getattr(r, "path", "") == "/telegram/webhook" for r in app.routes)
