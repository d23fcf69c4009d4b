"""The Telegram channel: questions with citations and the guided self-diagnosis in a chat.

Why this exists: Telegram is where many cluster managers already talk, so the advisor meets them
there. The channel is a thin layer over the services (``bot.compose.Services``; it never touches
the store or the index): ``app`` builds the python-telegram-bot application, ``run`` polls with it
(webhook mode is served by the HTTP app, ``bot.api``), ``handlers``/``diagnosis`` hold one small handler
per intent, ``render``/``split``/``send`` turn service objects into safe HTML messages, ``state``
keeps per-user state through the typed chat-state service under pseudonymous keys, ``webhook``
checks and enqueues pushed updates and ``texts`` holds every Spanish string. Importing this
package loads python-telegram-bot but not the advisor's index, models or database.
"""

from __future__ import annotations

from .app import ALLOWED_UPDATES, NetworkPolicy, build_application
from .run import run_polling
from .webhook import SECRET_HEADER, WebhookForbidden, process_webhook_update, webhook_lifespan

__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "NetworkPolicy",
    "WebhookForbidden",
    "build_application",
    "process_webhook_update",
    "run_polling",
    "webhook_lifespan",
]
