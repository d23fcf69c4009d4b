"""Shared pieces of the WhatsApp tests: settings pointed at the fake Graph API and the running app.

The app is the real FastAPI app (``create_app``) with its real lifespan, served in-process through
httpx's ASGI transport; the WhatsApp channel inside it talks real HTTP to ``FakeGraph`` on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fakes.graph_api import FakeGraph
from pydantic import SecretStr

from bot.api.app import create_app
from bot.compose import Services
from bot.settings import Settings
from bot.whatsapp.graph import GraphClient, GraphPolicy

__all__ = ["PHONE", "URL", "VERIFY", "running_app", "whatsapp_settings"]

PHONE = "573001234567"
VERIFY = "verify-token-for-tests"
URL = "/whatsapp/webhook"
FAST = GraphPolicy(retries=3, backoff=0.05, max_backoff=0.2, timeout=1.0, pace=0.0)


def whatsapp_settings(settings: Settings, graph: FakeGraph, **extra) -> Settings:
    return settings.model_copy(
        update={
            "whatsapp_token": SecretStr(graph.token),
            "whatsapp_phone_number_id": graph.phone_number_id,
            "whatsapp_app_secret": SecretStr(graph.app_secret),
            "whatsapp_verify_token": SecretStr(VERIFY),
            "whatsapp_api_base_url": graph.base_url,
            "whatsapp_id_salt": SecretStr("salt-for-the-tests-123"),
            "whatsapp_pace_seconds": 0.0,
            **extra,
        }
    )


@asynccontextmanager
async def running_app(
    settings: Settings, services: Services, *, policy: GraphPolicy = FAST, clock=None
) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    """The started app and a client for it; the Graph client uses fast retries and short timeouts."""
    app = create_app(settings, services)
    async with app.router.lifespan_context(app):
        rt = app.state.whatsapp
        await rt.graph.aclose()
        rt.graph = GraphClient(
            settings.whatsapp_api_base_url,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_token.get_secret_value(),
            policy,
        )
        if clock is not None:
            rt.service.clock = clock
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://asesor") as client:
            yield app, client
