"""The Telegram channel: questions with citations and the guided self-diagnosis in a chat.

Why this exists: Telegram is where many cluster managers already talk, so the advisor meets them
there. The channel is a thin layer over the ``Advisor`` façade (it never touches the store or the
index): ``app`` wires python-telegram-bot, ``handlers``/``diagnosis`` hold one small handler per
intent, ``render``/``split``/``send`` turn advisor objects into safe HTML messages, ``state`` keeps
per-user state in the store under pseudonymous keys, ``webhook`` serves webhook mode and
``texts`` holds every Spanish string. Importing this package does nothing heavy.
"""

from __future__ import annotations

from .app import ALLOWED_UPDATES, NetworkPolicy, build_application, run_polling, start
from .webhook import SECRET_HEADER, WebhookForbidden, process_webhook_update, webhook_lifespan

__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "NetworkPolicy",
    "WebhookForbidden",
    "build_application",
    "process_webhook_update",
    "run_polling",
    "start",
    "webhook_lifespan",
]
