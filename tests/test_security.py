"""Security headers, CORS, the webhook secret, production settings and secrets kept out of logs.

Why: the advisor is embedded in the Red's portal and runs a Telegram webhook. Every response needs
its CSP and hardening headers; other sites must not read the API from a browser; a forged webhook
call must be refused; unsafe production values must stop the process at start; and the bot token
or an API key must never reach a log line — checked by grepping the whole output of a real server
that ran in webhook mode with every secret set and DEBUG logging on.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fakes import FakeTelegram
from fastapi.testclient import TestClient
from pydantic import ValidationError
from realserver import AsesorServer

from bot.api import create_app
from bot.api.middleware import DATA_CSP, PAGE_CSP, REPORT_CSP
from bot.settings import Settings


def test_every_response_carries_its_csp_and_hardening_headers(settings: Settings, services) -> None:
    with TestClient(create_app(settings, services)) as client:
        diagnosis_id = client.post("/api/diagnosis").json()["id"]
        for _ in range(13):
            client.post(f"/api/diagnosis/{diagnosis_id}/answer", json={"answer": 1})
        expected = {
            "/": PAGE_CSP,
            "/widget.js": DATA_CSP,
            "/api/suggestions": DATA_CSP,
            "/no-existe": DATA_CSP,
            f"/api/diagnosis/{diagnosis_id}/report?format=html": REPORT_CSP,
            f"/api/diagnosis/{diagnosis_id}/report?format=png": DATA_CSP,
        }
        for path, csp in expected.items():
            response = client.get(path)
            assert response.headers["content-security-policy"] == csp, path
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in PAGE_CSP and "'unsafe-inline'" not in PAGE_CSP.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in PAGE_CSP and "script" not in REPORT_CSP


def test_cors_only_for_allowed_origins(settings: Settings, services) -> None:
    portal = "https://portal.redclustercolombia.gov.co"
    with TestClient(create_app(settings.model_copy(update={"allowed_origins": [portal]}), services)) as client:
        allowed = client.get("/api/suggestions", headers={"Origin": portal})
        assert allowed.headers["access-control-allow-origin"] == portal
        assert "access-control-allow-credentials" not in allowed.headers, "no cookies: nothing to send"
        for origin in ("https://evil.example", "http://127.0.0.1:8000", "null"):
            response = client.get("/api/suggestions", headers={"Origin": origin})
            assert "access-control-allow-origin" not in response.headers, origin


@pytest.mark.parametrize(
    "unsafe",
    [
        {"allowed_origins": ["*"]},
        {"allowed_origins": ["https://portal.example", "*"]},
        {
            "telegram_webhook_url": "https://bot.example/telegram/webhook",
            "telegram_token": "1:abcdef",
            "telegram_id_salt": "sal-secreta",
        },
        {"telegram_token": "1:abcdef"},
    ],
)
def test_production_refuses_unsafe_values_with_a_spanish_reason(unsafe: dict) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(environment="production", **unsafe)
    assert any(word in str(raised.value) for word in ("producción", "requiere"))


def test_production_accepts_a_safe_configuration() -> None:
    Settings(
        environment="production",
        allowed_origins=["https://portal.example"],
        telegram_token="1:abcdef",
        telegram_id_salt="sal-secreta",
        telegram_webhook_url="https://bot.example/telegram/webhook",
        telegram_webhook_secret="s3creto-del-webhook",
    )


@pytest.mark.slow  # a real `asesor serve` and the fake Bot API
@pytest.mark.asyncio
async def test_a_real_server_in_webhook_mode_never_logs_a_secret(
    fake: FakeTelegram, index_dir: Path, tmp_path: Path
) -> None:
    secrets = {
        "ASESOR_TELEGRAM_TOKEN": fake.token,
        "ASESOR_TELEGRAM_WEBHOOK_SECRET": "webhook-secreto-XYZ123",
        "ASESOR_TELEGRAM_ID_SALT": "sal-secreta-987654",
        "ASESOR_LLM_API_KEY": "sk-prueba-ABCDEF1234567890",
    }
    env = {
        "ASESOR_INDEX_DIR": str(index_dir),
        "ASESOR_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ASESOR_TELEGRAM_BASE_URL": fake.base_url,
        "ASESOR_LOG_LEVEL": "DEBUG",
        "ASESOR_LOG_FORMAT": "json",
        "ASESOR_TELEGRAM_WEBHOOK_URL": "https://asesor.example/telegram/webhook",
        **secrets,
    }
    server = AsesorServer(env, tmp_path / "serve.log")
    await asyncio.to_thread(server.start)
    try:
        assert fake.webhook["secret_token"] == secrets["ASESOR_TELEGRAM_WEBHOOK_SECRET"]
        update = {"update_id": 7, "message": fake.user_message(777, text="¿Qué es una iniciativa cluster?")}
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            forged = await client.post(
                "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "adivinado"}
            )
            accepted = await client.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": secrets["ASESOR_TELEGRAM_WEBHOOK_SECRET"]},
            )
            await client.get(f"/{fake.token}")  # a secret in a URL path is logged by the access log
        assert forged.status_code == 403 and accepted.status_code == 200
        await fake.wait_for(lambda: fake.bot_messages(777), what="the bot's answer")
    finally:
        await asyncio.to_thread(server.stop)
    output = server.output()
    assert "sendMessage" in output, "DEBUG logging shows the Bot API calls (with the token in the URL)"
    assert "[REDACTED]" in output
    for name, value in secrets.items():
        assert value not in output, f"{name} leaked into the logs"
