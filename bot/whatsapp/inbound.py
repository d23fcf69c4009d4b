"""What Meta POSTs to the webhook: the signature check and the parsing into small events.

Why this exists: a webhook anyone can call must prove it comes from Meta. Every POST carries
``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the *raw* body with the app secret; it is
compared in constant time before the body is even parsed. The envelope (``entry[].changes[].value``)
is then flattened into ``Inbound`` messages and ``Status`` callbacks, so the handlers never walk
Meta's JSON. The phone number (``from``/``recipient_id``) stays in these objects in memory only: it
is needed to reply, and is hashed before anything is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

__all__ = ["Inbound", "Status", "parse_payload", "signature_ok"]

SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature_ok(body: bytes, header: str | None, app_secret: str | None) -> bool:
    """True when ``header`` is the app secret's HMAC-SHA256 of ``body`` (constant-time)."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256=").strip().lower().encode(), expected.encode())


@dataclass(frozen=True)
class Inbound:
    """A message from a user. ``kind`` is Meta's type; ``text`` is the typed text, ``reply_id``
    the id of a tapped button or list row (with its ``title``)."""

    message_id: str
    phone: str
    timestamp: float | None
    kind: str
    text: str = ""
    reply_id: str = ""
    title: str = ""


@dataclass(frozen=True)
class Status:
    message_id: str
    phone: str
    status: str  # sent, delivered, read, failed
    error_code: str = ""
    error_title: str = ""


def _timestamp(raw: object) -> float | None:
    try:
        return float(str(raw))
    except ValueError:
        return None


def _message(raw: dict) -> Inbound | None:
    message_id, phone, kind = raw.get("id"), raw.get("from"), raw.get("type")
    if not (isinstance(message_id, str) and isinstance(phone, str) and isinstance(kind, str)):
        return None
    common: dict[str, Any] = {
        "message_id": message_id,
        "phone": phone,
        "timestamp": _timestamp(raw.get("timestamp")),
        "kind": kind,
    }
    if kind == "text":
        return Inbound(**common, text=str((raw.get("text") or {}).get("body", "")))
    if kind == "interactive":
        interactive = raw.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return Inbound(**common, reply_id=str(reply.get("id", "")), title=str(reply.get("title", "")))
    if kind == "button":  # a template's quick-reply button
        button = raw.get("button") or {}
        return Inbound(**common, reply_id=str(button.get("payload", "")), title=str(button.get("text", "")))
    return Inbound(**common)


def _status(raw: dict) -> Status | None:
    message_id, phone, status = raw.get("id"), raw.get("recipient_id"), raw.get("status")
    if not (isinstance(message_id, str) and isinstance(phone, str) and isinstance(status, str)):
        return None
    errors = raw.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return Status(message_id, phone, status, str(first.get("code", "")), str(first.get("title", "")))


def parse_payload(payload: object) -> tuple[list[Inbound], list[Status]]:
    """Messages and statuses of a webhook body; anything malformed is skipped, never raised."""
    messages: list[Inbound] = []
    statuses: list[Status] = []
    if not isinstance(payload, dict):
        return messages, statuses
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            messages += [
                m
                for m in map(_message, filter(lambda r: isinstance(r, dict), value.get("messages") or []))
                if m is not None
            ]
            statuses += [
                s
                for s in map(_status, filter(lambda r: isinstance(r, dict), value.get("statuses") or []))
                if s is not None
            ]
    return messages, statuses
