"""Run the Telegram bot by long polling.

Why this exists: building the application (``app``) and running it are separate jobs. Polling
needs nothing but the bot. Webhook mode has one server, the HTTP app (``bot.api``): its lifespan
starts the bot and registers the webhook whenever ``ASESOR_TELEGRAM_WEBHOOK_URL`` and a token
are set, alone (``asesor telegram``) or beside the widget's API (``asesor serve``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["run_polling"]


def run_polling(settings: Settings, services: Services) -> None:
    """Long-poll Telegram until interrupted (deletes any webhook first); at the stop the services
    are closed, so the staff console's recorder writes every pending record."""
    from .app import ALLOWED_UPDATES, build_application

    try:
        build_application(settings, services).run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        services.close()
