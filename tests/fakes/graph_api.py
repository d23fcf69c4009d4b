"""A small but real fake of Meta's WhatsApp Cloud API (Graph API), served over HTTP on 127.0.0.1.

Why this exists: the WhatsApp channel must be tested the way it runs, through real HTTP, not with
mocked methods. This aiohttp server speaks the wire format of ``POST /{version}/{phone-id}/messages``
(text, interactive reply buttons and list messages, image and document by media id) and
``POST /{version}/{phone-id}/media`` (multipart upload), checks the bearer token and Meta's limits
(4096 characters of text, ≤ 3 buttons with titles ≤ 20, ≤ 10 rows with titles ≤ 24), and records
every call. Faults can be injected once per endpoint: a 429, a 5xx, or a response that arrives
after the client's timeout (the message *was* accepted, as happens with Meta). It also plays Meta's
side of the webhook: ``deliver`` signs a payload with the app secret and POSTs it to the app.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

from .loopback import Fault, LoopbackFake

__all__ = ["FakeGraph", "GraphCall", "webhook_payload"]

VERSION = "v21.0"


@dataclass
class GraphCall:
    endpoint: str  # "messages" or "media"
    body: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    file: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


def webhook_payload(
    phone_number_id: str, *, messages: list[dict] | None = None, statuses: list[dict] | None = None, name: str = "Ana"
) -> dict:
    """The envelope Meta POSTs to the webhook, with ``messages`` and/or ``statuses``."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "573000000000", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-1", "changes": [{"field": "messages", "value": value}]}],
    }


class FakeGraph(LoopbackFake):
    """Start with ``await fake.start()``; point the channel at ``fake.base_url``."""

    def __init__(
        self,
        *,
        token: str = "EAAG-fake-graph-token-123456",
        phone_number_id: str = "1098765432",
        app_secret: str = "fake-app-secret-abcdef",
    ) -> None:
        super().__init__()
        self.token, self.phone_number_id, self.app_secret = token, phone_number_id, app_secret
        self.calls: list[GraphCall] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.inbound: list[tuple[float, dict]] = []  # what "users" sent through ``deliver``, with the time
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/{phone}/messages", self._messages)
        app.router.add_post("/{version}/{phone}/media", self._media)

    def _describe(self, call: GraphCall) -> tuple:
        return call.endpoint, call.status, str(call.body)[:160]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{VERSION}"

    # --- Meta's side of the webhook ---------------------------------------------------------------
    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    def message(self, phone: str, *, kind: str = "text", message_id: str | None = None, **content: Any) -> dict:
        """One inbound message: ``kind`` text (``text=``), interactive (``reply_id=``, ``title=``,
        ``list_reply=True``) or a media kind (sticker, audio, image…)."""
        message: dict[str, Any] = {
            "from": phone,
            "id": message_id or f"wamid.IN{next(self._ids):06d}",
            "timestamp": str(int(content.pop("timestamp", None) or time.time())),
            "type": kind,
        }
        if kind == "text":
            message["text"] = {"body": content["text"]}
        elif kind == "interactive":
            reply = "list_reply" if content.get("list_reply") else "button_reply"
            message["interactive"] = {"type": reply, reply: {"id": content["reply_id"], "title": content["title"]}}
        else:
            message[kind] = {"id": "media-in-1", "mime_type": "audio/ogg" if kind == "audio" else "image/webp"}
        return message

    async def deliver(
        self,
        client: httpx.AsyncClient,
        url: str,
        payload: dict,
        *,
        signature: str | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        """POST ``payload`` to the webhook as Meta does (signed unless ``signature`` is given)."""
        body = json.dumps(payload).encode()
        for entry in payload.get("entry", []):
            for change in entry.get("changes", []):
                self.inbound += [(time.monotonic(), m) for m in change.get("value", {}).get("messages", [])]
        sent = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature or self.sign(body),
            **(headers or {}),
        }
        return await client.post(url, content=body, headers=sent)

    async def say(self, client: httpx.AsyncClient, url: str, phone: str, *, kind: str = "text", **content: Any) -> dict:
        """A user's message delivered to the webhook; returns the message (its id for retries)."""
        message = self.message(phone, kind=kind, **content)
        response = await self.deliver(client, url, webhook_payload(self.phone_number_id, messages=[message]))
        assert response.status_code == 200, response.text
        return message

    # --- inspection ---------------------------------------------------------------------------------
    def delivered(self, to: str | None = None) -> list[dict]:
        """Message bodies accepted, in order (optionally only those to ``to``)."""
        return [
            c.body for c in self.calls if c.ok and c.endpoint == "messages" and (to is None or c.body.get("to") == to)
        ]

    def attempts(self, endpoint: str = "messages") -> list[GraphCall]:
        return [c for c in self.calls if c.endpoint == endpoint]

    def transcript(self, phone: str) -> list[str]:
        """The conversation with ``phone`` in order, one JSON line per message (the number masked)."""
        events = [
            (t, "usuario", {k: v for k, v in m.items() if k not in ("from", "id", "timestamp")})
            for t, m in self.inbound
            if m.get("from") == phone
        ]
        events += [
            (
                c.at,
                "asesor",
                {k: v for k, v in c.body.items() if k not in ("to", "messaging_product", "recipient_type")},
            )
            for c in self.calls
            if c.ok and c.endpoint == "messages" and c.body.get("to") == phone
        ]
        events += [
            (c.at, "media", {"type": c.body.get("type"), "bytes": len(c.file or b"")})
            for c in self.calls
            if c.ok and c.endpoint == "media"
        ]
        return [
            json.dumps({"de": who, **body}, ensure_ascii=False) for _, who, body in sorted(events, key=lambda e: e[0])
        ]

    @staticmethod
    def text_of(body: dict) -> str:
        """What the user reads in a message: its text, an interactive body, or a media caption."""
        kind = body.get("type")
        if kind == "text":
            return body["text"]["body"]
        if kind == "interactive":
            return body["interactive"]["body"]["text"]
        return body.get(kind, {}).get("caption", "")

    @staticmethod
    def choices(body: dict) -> dict[str, str]:
        """Title → id of an interactive message's buttons or list rows."""
        interactive = body.get("interactive") or {}
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            return {b["reply"]["title"]: b["reply"]["id"] for b in action.get("buttons", [])}
        return {r["title"]: r["id"] for s in action.get("sections", []) for r in s.get("rows", [])}

    async def wait_idle(self, quiet: float = 0.6, timeout: float = 30.0) -> None:
        if not await self._wait_quiet(quiet, timeout):
            raise AssertionError("the channel never went idle")

    # --- the API ----------------------------------------------------------------------------------
    def _authorised(self, request: web.Request) -> bool:
        return (
            request.headers.get("Authorization") == f"Bearer {self.token}"
            and request.match_info["phone"] == self.phone_number_id
        )

    async def _faulted(
        self, endpoint: str, body: dict, file: bytes | None = None
    ) -> tuple[web.Response | None, Fault | None]:
        fault = self._take_fault(endpoint)
        if fault and fault.kind in ("429", "500", "503"):
            self.calls.append(GraphCall(endpoint, body, status=int(fault.kind), file=file))
            code = 130429 if fault.kind == "429" else 131000
            return _error(
                int(fault.kind), code, "Rate limit hit" if fault.kind == "429" else "Something went wrong"
            ), None
        return None, fault

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        if not self._authorised(request):
            self.calls.append(GraphCall("messages", body, status=401))
            return _error(401, 190, "Invalid OAuth access token")
        failed, fault = await self._faulted("messages", body)
        if failed is not None:
            return failed
        problem = self._check(body)
        if problem:
            self.calls.append(GraphCall("messages", body, status=400))
            return _error(400, 131009, problem)
        self.calls.append(GraphCall("messages", body))
        if fault and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)  # accepted, but the answer comes too late
        message_id = f"wamid.OUT{next(self._ids):06d}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": message_id}],
            }
        )

    async def _media(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        data = upload.file.read() if isinstance(upload, web.FileField) else None
        body = {k: v for k, v in form.items() if not isinstance(v, web.FileField)}
        if not self._authorised(request):
            self.calls.append(GraphCall("media", body, status=401))
            return _error(401, 190, "Invalid OAuth access token")
        failed, fault = await self._faulted("media", body, data)
        if failed is not None:
            return failed
        if data is None or body.get("messaging_product") != "whatsapp" or not body.get("type"):
            self.calls.append(GraphCall("media", body, status=400))
            return _error(400, 100, "file, type and messaging_product are required")
        media_id = f"media-{next(self._ids)}"
        self.media[media_id] = (str(body["type"]), data)
        self.calls.append(GraphCall("media", {**body, "id": media_id, "filename": upload.filename}, file=data))
        if fault and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        return web.json_response({"id": media_id})

    def _check(self, body: dict) -> str | None:
        """Meta's validation, the part our channel could get wrong."""
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return "messaging_product and to are required"
        kind = body.get("type")
        if kind == "text":
            text = body.get("text", {}).get("body", "")
            return None if 0 < len(text) <= 4096 else "text.body must have 1 to 4096 characters"
        if kind in ("image", "document"):
            media = body.get(kind, {})
            if media.get("id") not in self.media:
                return "unknown media id"
            return None
        if kind == "interactive":
            return _check_interactive(body.get("interactive") or {})
        return f"unsupported type {kind!r}"


def _check_interactive(interactive: dict) -> str | None:
    text = (interactive.get("body") or {}).get("text", "")
    if not 0 < len(text) <= 1024:
        return "interactive.body.text must have 1 to 1024 characters"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            return "1 to 3 buttons"
        titles = [b["reply"]["title"] for b in buttons]
        if any(not 0 < len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
            return "button titles must be unique, 1 to 20 characters"
        return None
    if interactive.get("type") == "list":
        rows = [r for s in action.get("sections") or [] for r in s.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            return "1 to 10 rows"
        if any(not 0 < len(r["title"]) <= 24 for r in rows) or any(len(r.get("description", "")) > 72 for r in rows):
            return "row titles 1 to 24 characters, descriptions up to 72"
        if not 0 < len(action.get("button", "")) <= 20:
            return "list button 1 to 20 characters"
        return None
    return "unsupported interactive type"


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "OAuthException", "code": code}}, status=status)
