"""Build the Telegram ``Application``: wiring and resilience (running it is ``run``'s job).

Why this exists: this is the one place that knows python-telegram-bot's machinery. It routes each
kind of update to its handler, makes outgoing calls survive Telegram's flood limits (429 with
``retry_after``, through ``AIORateLimiter``) and transient network failures (retried with
exponential backoff, but never in a way that could deliver a message twice), registers the
command menu in Spanish, and installs the log filter that keeps the token out of the logs.
Updates are processed concurrently; the services run in worker threads (see ``state``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.errors import Unavailable
from bot.logsafe import install_redaction
from bot.settings import Settings

from . import diagnosis, handlers, privacy, texts
from .state import Runtime, attach

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["ALLOWED_UPDATES", "NetworkPolicy", "ResilientRateLimiter", "build_application"]

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
# Calls that do no harm when repeated, so they may be retried even when the first try may have
# reached Telegram (a read timeout): repeating a sendMessage could show an answer twice.
_IDEMPOTENT = {
    "answerCallbackQuery",
    "deleteWebhook",
    "editMessageReplyMarkup",
    "editMessageText",
    "getMe",
    "getWebhookInfo",
    "sendChatAction",
    "setMyCommands",
    "setWebhook",
}
_MEDIA = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
)


@dataclass(frozen=True)
class NetworkPolicy:
    """How hard to try: flood retries (429), network retries and their backoff, timeouts."""

    flood_retries: int = 3
    network_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    read_timeout: float | None = None  # None keeps python-telegram-bot's defaults
    connect_timeout: float | None = None


def _maybe_delivered(error: NetworkError) -> bool:
    """Whether Telegram may have processed the request although we got an error."""
    cause = error.__cause__
    if isinstance(error, TimedOut):
        return isinstance(cause, httpx.ReadTimeout)
    if isinstance(cause, httpx.TransportError):  # reset or cut mid-response
        return not isinstance(cause, (httpx.ConnectError, httpx.ProxyError))
    return False  # an HTTP error status (5xx): Telegram answered and did not deliver


class ResilientRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` (flood control, 429 retries) plus retries with backoff on network errors."""

    def __init__(self, policy: NetworkPolicy) -> None:
        super().__init__(max_retries=policy.flood_retries)
        self.policy = policy

    async def process_request(
        self, callback, args, kwargs, endpoint: str, data: dict[str, Any], rate_limit_args: int | None
    ):
        delay = self.policy.backoff
        for attempt in range(self.policy.network_retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except NetworkError as error:
                retry = endpoint in _IDEMPOTENT or not _maybe_delivered(error)
                if not retry or attempt == self.policy.network_retries:
                    raise
                log.warning("network error on %s (%s); retry %d in %.2fs", endpoint, error, attempt + 1, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.policy.max_backoff)
        raise AssertionError("unreachable")


async def _post_init(application: Application) -> None:
    """Register the Spanish command menu (called by run_polling / the webhook lifespan)."""
    commands = [BotCommand(name, description) for name, description in texts.COMMANDS.items()]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as error:  # the menu is a nicety: never a reason not to start
        log.warning("could not register the command menu: %s", error)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Last resort for errors outside the guarded handlers (e.g. polling): log, keep running."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("unhandled error (update %s): %s", update_id, context.error, exc_info=context.error)


def _file_url(base_url: str) -> str:
    return base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url


def _register(application: Application) -> None:
    message = filters.UpdateType.MESSAGE
    for name, callback in (
        ("start", handlers.cmd_start),
        ("ayuda", handlers.cmd_help),
        ("diagnostico", diagnosis.cmd_diagnosis),
        ("reiniciar", diagnosis.cmd_restart),
        ("fuentes", handlers.cmd_sources),
        ("borrar", privacy.cmd_delete),
    ):
        application.add_handler(CommandHandler(name, callback, filters=message))
    application.add_handler(CallbackQueryHandler(handlers.on_source, pattern=r"^src:"))
    application.add_handler(CallbackQueryHandler(handlers.on_feedback, pattern=r"^fb:"))
    application.add_handler(CallbackQueryHandler(handlers.on_offer, pattern=r"^ask:"))
    application.add_handler(CallbackQueryHandler(handlers.on_turn_button, pattern=r"^turn:"))
    application.add_handler(CallbackQueryHandler(diagnosis.on_button, pattern=r"^dx:"))
    application.add_handler(CallbackQueryHandler(privacy.on_delete_button, pattern=privacy.DELETE_PATTERN))
    application.add_handler(MessageHandler(message & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    application.add_handler(MessageHandler(message & filters.COMMAND & filters.ChatType.PRIVATE, handlers.cmd_help))
    application.add_handler(MessageHandler(message & _MEDIA, handlers.on_media))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.on_edited))
    application.add_error_handler(_on_error)


def build_application(settings: Settings, services: Services, *, network: NetworkPolicy | None = None) -> Application:
    """The bot, ready for polling or for the webhook (see ``run`` and ``webhook``)."""
    if not settings.telegram_token:
        raise Unavailable(
            "Falta el token del bot de Telegram: defina ASESOR_TELEGRAM_TOKEN.", code="telegram_sin_token"
        )
    token = settings.telegram_token.get_secret_value()
    install_redaction(token, settings.webhook_secret() if settings.telegram_webhook_url else None)
    # Opt in to v23's timedelta durations now: without it every 429 (RetryAfter) raises a
    # PTBDeprecationWarning, and our code never reads those durations as numbers.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    network = network or NetworkPolicy()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(_file_url(settings.telegram_base_url))
        .concurrent_updates(True)
        .rate_limiter(ResilientRateLimiter(network))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
    )
    if network.read_timeout is not None:
        builder = builder.read_timeout(network.read_timeout).write_timeout(network.read_timeout)
    if network.connect_timeout is not None:
        builder = builder.connect_timeout(network.connect_timeout)
    application = builder.build()
    attach(application, Runtime.create(settings, services))
    _register(application)
    return application
