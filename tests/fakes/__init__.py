"""Real fakes of outside services for end-to-end tests (the Telegram Bot API; the Graph API is
``fakes.graph_api``; both on ``fakes.loopback``), and the harness
that runs the real Telegram ``Application`` against them inside a test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .telegram_api import BOT_USER, Call, FakeTelegram, Upload, plain_text

__all__ = ["BOT_USER", "Call", "FakeTelegram", "Upload", "plain_text", "running_bot"]


def _fast_network():
    from bot.telegram import NetworkPolicy

    return NetworkPolicy(backoff=0.05, max_backoff=0.2, read_timeout=3.0)


@asynccontextmanager
async def running_bot(settings, services, network=None) -> AsyncIterator[object]:
    """Build the application and poll the fake, as ``bot.telegram.run_polling`` would (post_init included)."""
    from bot.telegram import ALLOWED_UPDATES, build_application

    application = build_application(settings, services, network=network or _fast_network())
    async with application:
        await application.post_init(application)
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
