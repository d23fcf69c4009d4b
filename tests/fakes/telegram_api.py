"""A small but real fake of the Telegram Bot API, served over HTTP on 127.0.0.1.

Why this exists: the Telegram channel must be tested the way it runs, through python-telegram-bot's
own HTTP client, polling loop, rate limiter and retries, not with mocked methods. This aiohttp
server speaks the Bot API's wire format (form or multipart requests, ``{"ok": …}`` envelopes,
429 with ``parameters.retry_after``), keeps the messages the bot sends (so button presses carry
the real message), serves a queue of updates to ``getUpdates`` with a short long-poll, and
records every call. Faults can be injected once per method: a 429, a 5xx, or a response that
arrives after the client's timeout (the request *was* processed, as happens with Telegram).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .loopback import LoopbackFake

__all__ = ["BOT_USER", "Call", "FakeTelegram", "Upload", "plain_text"]

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Asesor Red Cluster",
    "username": "asesor_cluster_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
DEFAULT_USER = {"id": 1001, "is_bot": False, "first_name": "Ana", "language_code": "es"}
_TRUE_METHODS = {"answerCallbackQuery", "sendChatAction", "close", "logOut", "deleteMyCommands"}
_TEXT_FIELDS = {"text", "caption", "callback_query_id", "url", "secret_token", "action", "parse_mode", "query_id"}


def plain_text(markup: str) -> str:
    """What a user sees for an HTML message: tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", markup))


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


class FakeTelegram(LoopbackFake):
    """Start with ``await fake.start()``; point the bot at ``fake.base_url``."""

    def __init__(self, token: str = "123456:TEST-fake-token-abcdef", *, max_poll: float = 0.3) -> None:
        super().__init__()
        self.token = token
        self.max_poll = max_poll
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.chats: dict[int, dict] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.commands: list[dict] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._new_update = asyncio.Event()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)

    def _describe(self, call: Call) -> tuple:
        return call.method, call.status, str(call.params)[:160]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- feeding updates ------------------------------------------------------------------------
    def feed(self, **update: Any) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def chat(self, chat_id: int, chat_type: str = "private") -> dict:
        if chat_id not in self.chats:
            extra = {"first_name": "Ana"} if chat_type == "private" else {"title": "Red Cluster Antioquia"}
            self.chats[chat_id] = {"id": chat_id, "type": chat_type, **extra}
        return self.chats[chat_id]

    def user_message(
        self,
        chat_id: int,
        *,
        user: dict | None = None,
        chat_type: str = "private",
        reply_to: dict | None = None,
        **content: Any,
    ) -> dict:
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": user or DEFAULT_USER,
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        text = content.get("text", "")
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return message

    def send_text(self, chat_id: int, text: str, **kwargs: Any) -> int:
        return self.feed(message=self.user_message(chat_id, text=text, **kwargs))

    def send_sticker(self, chat_id: int, **kwargs: Any) -> int:
        sticker = {
            "file_id": "CAACAgIAAx0",
            "file_unique_id": "AgAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.feed(message=self.user_message(chat_id, sticker=sticker, **kwargs))

    def edit_text(self, message: dict, text: str) -> int:
        edited = {**message, "text": text, "edit_date": int(time.time())}
        return self.feed(edited_message=edited)

    def press(self, message: dict, data: str, *, user: dict | None = None) -> int:
        query = {
            "id": str(next(self._ids)),
            "from": user or DEFAULT_USER,
            "message": message,
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
        }
        return self.feed(callback_query=query)

    # --- inspection -------------------------------------------------------------------------------
    def delivered(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.ok and (method is None or c.method == method)]

    def attempts(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def bot_messages(self, chat_id: int) -> list[dict]:
        """Messages the bot sent to ``chat_id``, in order, with edits applied."""
        return [m for (c, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1]) if c == chat_id]

    def sent_texts(self, chat_id: int) -> list[str]:
        return [plain_text(c.params["text"]) for c in self.delivered("sendMessage") if c.params["chat_id"] == chat_id]

    @staticmethod
    def buttons(message: dict) -> dict[str, str]:
        """Button label → callback data of a message's inline keyboard."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return {b["text"]: b.get("callback_data", "") for row in rows for b in row}

    async def wait_idle(self, quiet: float = 0.4, timeout: float = 30.0) -> None:
        """Wait until every fed update was fetched and no call but polling came for ``quiet`` s."""
        polling = lambda call: call.method == "getUpdates"  # noqa: E731
        if not await self._wait_quiet(quiet, timeout, ignore=polling, done=self._confirmed_all):
            raise AssertionError("the bot never went idle")

    def _confirmed_all(self) -> bool:
        polls = self.attempts("getUpdates")
        last = self.updates[-1]["update_id"] if self.updates else 0
        return bool(polls) and int(polls[-1].params.get("offset", 0) or 0) > last

    # --- the API ----------------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        params: dict[str, Any] = {}
        files: dict[str, Upload] = {}
        if request.content_type == "application/json":
            return await request.json(), files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.content_type, value.file.read())
            elif key in _TEXT_FIELDS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._params(request)
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        fault = self._take_fault(method)
        if fault and fault.kind == "429":
            self.calls.append(Call(method, params, files, status=429))
            return self._error(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                parameters={"retry_after": fault.retry_after},
            )
        if fault and fault.kind in ("500", "502"):
            self.calls.append(Call(method, params, files, status=int(fault.kind)))
            return self._error(int(fault.kind), "Internal Server Error" if fault.kind == "500" else "Bad Gateway")
        if method == "getUpdates":
            self.calls.append(Call(method, params, files))
            return self._ok(await self._get_updates(params))
        handler = getattr(self, f"_api_{method}", None) or (_true if method in _TRUE_METHODS else None)
        if handler is None:
            self.calls.append(Call(method, params, files, status=404))
            return self._error(404, "Not Found: method not found")
        try:
            result = handler(params, files)
        except _ApiError as error:
            self.calls.append(Call(method, params, files, status=400))
            return self._error(400, error.description)
        self.calls.append(Call(method, params, files))
        if fault and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)  # processed, but the answer comes too late
        return self._ok(result)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, **extra: Any) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description, **extra}, status=code)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        pending = self.updates[: int(params.get("limit") or 100)]
        if not pending:
            self._new_update.clear()
            wait = min(float(params.get("timeout") or 0), self.max_poll)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=wait)
            except TimeoutError:
                pass
            pending = [u for u in self.updates if u["update_id"] >= offset][: int(params.get("limit") or 100)]
        return pending

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": BOT_USER,
            **content,
        }
        if (params.get("reply_markup") or {}).get("inline_keyboard"):  # as Telegram: a ForceReply is not echoed
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _stored(self, params: dict[str, Any]) -> dict:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _ApiError("Bad Request: message to edit not found")
        return self.messages[key]

    def _api_getMe(self, params, files):
        return BOT_USER

    def _api_sendMessage(self, params, files):
        text = params["text"]
        if len(plain_text(text).encode("utf-16-le")) // 2 > 4096 or not text.strip():
            raise _ApiError(
                "Bad Request: message is too long" if text.strip() else "Bad Request: message text is empty"
            )
        _check_html(text)
        return self._new_message(params, text=plain_text(text))

    def _api_editMessageText(self, params, files):
        message = self._stored(params)
        _check_html(params["text"])
        text, markup = plain_text(params["text"]), params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise _ApiError("Bad Request: message is not modified")
        message["text"] = text
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _api_editMessageReplyMarkup(self, params, files):
        message = self._stored(params)
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_sendPhoto(self, params, files):
        upload = files.get("photo")
        if upload is None or not upload.data.startswith(b"\x89PNG"):
            raise _ApiError("Bad Request: wrong file")
        photo = [
            {"file_id": "photo-1", "file_unique_id": "p1", "width": 800, "height": 800, "file_size": len(upload.data)}
        ]
        return self._new_message(params, photo=photo, caption=plain_text(params.get("caption", "")))

    def _api_sendDocument(self, params, files):
        upload = files.get("document")
        if upload is None:
            raise _ApiError("Bad Request: there is no document in the request")
        document = {
            "file_id": "doc-1",
            "file_unique_id": "d1",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.data),
        }
        return self._new_message(params, document=document, caption=plain_text(params.get("caption", "")))

    def _api_setMyCommands(self, params, files):
        self.commands = params["commands"]
        return True

    def _api_getMyCommands(self, params, files):
        return self.commands

    def _api_deleteWebhook(self, params, files):
        self.webhook = {"url": ""}
        return True

    def _api_setWebhook(self, params, files):
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    def _api_getWebhookInfo(self, params, files):
        return {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": 0}


def _true(params: dict, files: dict) -> bool:
    return True


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


_ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}


def _check_html(markup: str) -> None:
    """Reject what Telegram rejects: unknown or unbalanced tags, a bare '<' or a broken entity."""
    stack: list[str] = []
    for match in re.finditer(r"<(/?)([^\s>/]*)[^>]*>|<|&(?:[a-z]+|#\d+);|&", markup):
        token = match.group(0)
        if token == "<":
            raise _ApiError("Bad Request: can't parse entities: unexpected '<'")
        if token == "&":
            raise _ApiError("Bad Request: can't parse entities: bare '&'")
        if token.startswith("&"):
            continue
        closing, tag = match.group(1), match.group(2)
        if tag not in _ALLOWED_TAGS:
            raise _ApiError(f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"')
        if closing:
            if not stack or stack.pop() != tag:
                raise _ApiError(f'Bad Request: can\'t parse entities: unmatched end tag "{tag}"')
        else:
            stack.append(tag)
    if stack:
        raise _ApiError("Bad Request: can't parse entities: unclosed tag")
