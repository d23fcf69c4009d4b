"""Wiring of the WhatsApp channel: the runtime built from settings, the handshake and the intake.

Why this exists: the FastAPI route (``bot.api.routes_whatsapp``) must stay thin, and the checks
that make the webhook safe belong to the channel: the GET handshake echoes ``hub.challenge`` only
for the right verify token (constant-time), and a POST is accepted only with a valid
``X-Hub-Signature-256``. ``accept`` then schedules the work and returns at once, because Meta
retries slow deliveries and disables a webhook that keeps failing; ``drain`` waits for the work
still running when the app stops.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import TYPE_CHECKING

from bot.errors import AdvisorError
from bot.settings import Settings

from . import texts
from .graph import GraphClient, GraphPolicy
from .handlers import process_payload
from .inbound import signature_ok
from .runtime import Keys, Runtime

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["BadSignature", "VerifyForbidden", "accept", "build_runtime", "drain", "verify_handshake"]

log = logging.getLogger(__name__)


class VerifyForbidden(AdvisorError):
    status = 403
    code = "webhook_no_autorizado"


class BadSignature(AdvisorError):
    status = 401
    code = "firma_invalida"


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_runtime(settings: Settings, services: Services, *, policy: GraphPolicy | None = None) -> Runtime:
    """The channel over the root's services: its channel service (dedup, window, codes), answers,
    diagnoses, chat state and personal data; only the Graph client is the channel's own."""
    # the log-record factory every channel shares (the secrets are also SecretStr, see observability)
    from bot.logsafe import install_redaction

    install_redaction(
        _secret(settings.whatsapp_token),
        _secret(settings.whatsapp_app_secret),
        _secret(settings.whatsapp_verify_token),
        settings.whatsapp_salt(),
    )
    policy = policy or GraphPolicy(pace=settings.whatsapp_pace_seconds)
    graph = GraphClient(
        settings.whatsapp_api_base_url,
        settings.whatsapp_phone_number_id or "",
        _secret(settings.whatsapp_token) or "",
        policy,
    )
    return Runtime(services=services, service=services.channels, graph=graph, keys=Keys(settings.whatsapp_salt()))


def verify_handshake(settings: Settings, mode: str | None, token: str | None, challenge: str | None) -> str:
    """The challenge to echo; ``VerifyForbidden`` for a wrong or missing verify token."""
    expected = _secret(settings.whatsapp_verify_token)
    if (
        mode != "subscribe"
        or not expected
        or not token
        or challenge is None
        or not hmac.compare_digest(token.encode(), expected.encode())
    ):
        raise VerifyForbidden(texts.WEBHOOK_FORBIDDEN)
    return challenge


def accept(rt: Runtime, settings: Settings, body: bytes, signature: str | None) -> None:
    """Check the signature and schedule the delivery's work; ``BadSignature`` (401) otherwise.
    The body is never logged."""
    if not signature_ok(body, signature, _secret(settings.whatsapp_app_secret)):
        log.warning("whatsapp webhook: rejected a POST without a valid signature (%d bytes)", len(body))
        raise BadSignature(texts.WEBHOOK_BAD_SIGNATURE)
    try:
        payload = json.loads(body)
    except ValueError:
        log.warning("whatsapp webhook: a signed body that is not JSON was ignored")
        return
    task = asyncio.get_running_loop().create_task(process_payload(rt, payload))
    rt.tasks.add(task)
    task.add_done_callback(rt.tasks.discard)


async def drain(rt: Runtime, timeout: float = 20.0) -> None:
    """Let running deliveries finish (bounded), then close the Graph client."""
    if rt.tasks:
        await asyncio.wait(set(rt.tasks), timeout=timeout)
    await rt.graph.aclose()
