"""Question answering over HTTP: ``POST /api/ask`` (JSON) and ``POST /api/ask/stream`` (SSE).

Why this exists: the widget shows answers as they arrive and integrators want one JSON object;
both routes share one path through the answer service (run in the process's bounded question lane:
it is CPU-bound and synchronous) so their answers are identical; the stream route is a small consumer of its
``AnswerStream``. Validation and advisor errors happen *before* the stream opens, so they always
come back as the JSON error shape, never inside the stream.
"""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import suppress

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from bot.schemas import Answer
from bot.settings import Settings

from .admission import run_question
from .deps import MetricsDep, ServicesDep, enforce_rate_limit
from .errors import error_responses
from .models import ask_request_model

__all__ = ["build_ask_router", "sse_event", "word_chunks"]

_ERRORS = error_responses(400, 413, 422, 429, 500, 503)
_ANSWER_EXAMPLE = {
    "question": "¿Qué es una iniciativa cluster?",
    "answer": "Una Iniciativa Cluster es un mecanismo de articulación institucional… [1]",
    "in_scope": True,
    "citations": [
        {
            "n": 1,
            "section": "1. Introducción › ¿Qué es una Iniciativa Cluster?",
            "text": "…",
            "score": 0.97,
            "id": "1c3d2782b1ba9567",
        }
    ],
    "passages": [
        {
            "id": "1c3d2782b1ba9567",
            "section": "1. Introducción › ¿Qué es una Iniciativa Cluster?",
            "text": "…",
            "score": 0.97,
            "kind": "text",
        }
    ],
    "suggestions": ["¿Cuáles son los objetivos de una iniciativa cluster?"],
    "answerer": "extractive",
    "conversation_id": "k3J9aQ2xYt0LwE5rVbN1cA",
}
_STREAM_DOC = """Misma entrada que `/api/ask`. Responde con *server-sent events*:

* `event: token` — `data: {"text": "…"}`: el texto de la respuesta a medida que se escribe: con la respuesta
  extractiva, palabra por palabra (unir todos los `text` da exactamente `answer`); con el modelo generativo
  (`ASESOR_ANSWERER=llm`), los tokens que el modelo va generando;
* `event: answer` — `data`: el objeto respuesta completo (igual que `/api/ask`), con las citas ya verificadas.
  **Es la respuesta definitiva**: si el texto generado no pasó la verificación de citas o el modelo falló,
  trae la respuesta extractiva (`"answerer": "extractive"`) y reemplaza lo que se mostró antes;
* `event: done` — `data: {}`: fin del flujo.

Los errores de entrada se devuelven antes de abrir el flujo, como JSON con el formato de error."""

_WORDS = re.compile(r"\s*\S+\s*|\s+")


def word_chunks(text: str) -> list[str]:
    """Split ``text`` into word-sized pieces whose concatenation is exactly ``text``."""
    return _WORDS.findall(text)


def sse_event(event: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


def build_ask_router(settings: Settings) -> APIRouter:
    AskRequest = ask_request_model(settings.max_question_chars)
    router = APIRouter(prefix="/api", tags=["Preguntas"], dependencies=[Depends(enforce_rate_limit)])

    async def answer(body: BaseModel, services: ServicesDep, metrics: MetricsDep, request: Request) -> Response:
        # perf (issue 19): questions run in the bounded lane (503 + Retry-After when full); the
        # answer service mints a new conversation (nothing to read); the answer is encoded once.
        question, given = getattr(body, "question"), getattr(body, "conversation_id", None)  # noqa: B009
        answers = services.answers
        cheap = None if given else (lambda: answers.is_cached(question))  # popular: no embedding, never shed
        result = await run_question(
            request, answers.ask, question, cheap=cheap, conversation_id=given, converse=True, channel="web"
        )
        metrics.record_answer(result.answerer, kind=result.kind)
        return Response(result.model_dump_json(), media_type="application/json")

    @router.post(
        "/ask",
        response_model=Answer,
        summary="Hacer una pregunta sobre la cartilla",
        description="Responde con fragmentos de la cartilla y citas numeradas `[n]` que nombran la sección. "
        "Si no se envía `conversation_id`, se crea uno: envíelo en las siguientes preguntas para que el asesor "
        "entienda las preguntas de seguimiento («¿y cuáles son sus fases?»).",
        responses={200: {"content": {"application/json": {"example": _ANSWER_EXAMPLE}}}, **_ERRORS},
    )
    async def ask(
        body: AskRequest,  # type: ignore[valid-type]
        services: ServicesDep,
        metrics: MetricsDep,
        request: Request,
    ) -> Response:
        return await answer(body, services, metrics, request)

    @router.post(
        "/ask/stream",
        summary="Hacer una pregunta y recibir la respuesta en streaming (SSE)",
        description=_STREAM_DOC,
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "Flujo de eventos SSE.",
                "content": {
                    "text/event-stream": {
                        "schema": {
                            "type": "object",
                            "required": ["event", "data"],
                            "properties": {
                                "event": {"type": "string", "enum": ["token", "answer", "done"]},
                                "data": {
                                    "type": "string",
                                    "description": 'Un objeto JSON: {"text"} (token), la respuesta '
                                    "(answer) o {} (done).",
                                },
                            },
                        },
                        "example": (
                            'event: token\ndata: {"text":"Una "}\n\n'
                            "event: answer\ndata: {…}\n\n"
                            "event: done\ndata: {}\n\n"
                        ),
                    }
                },
            },
            **_ERRORS,
        },
    )
    async def ask_stream(
        body: AskRequest,  # type: ignore[valid-type]
        services: ServicesDep,
        metrics: MetricsDep,
        request: Request,
    ) -> StreamingResponse:
        stream = await run_question(  # bad input raises here: a JSON error, not a stream
            request,
            services.answers.stream,
            getattr(body, "question"),  # noqa: B009
            conversation_id=getattr(body, "conversation_id", None),
            converse=True,
            channel="web",
        )

        async def events() -> AsyncIterator[bytes]:
            try:
                while (piece := await run_in_threadpool(stream.next_piece)) is not None:
                    yield sse_event("token", {"text": piece})  # the model's tokens, as they come
                answer = stream.answer
                metrics.record_answer(answer.answerer, kind=answer.kind)
                if not stream.streamed:  # extractive (or a fallback before any token): stream its words
                    for piece in word_chunks(answer.answer):
                        yield sse_event("token", {"text": piece})
                        await asyncio.sleep(0)
                yield sse_event("answer", answer.model_dump(mode="json"))
                yield sse_event("done", {})
            finally:
                with suppress(ValueError):  # still running in a worker thread if the client left mid-token
                    stream.close()  # a client that left stops the model's generation

        return StreamingResponse(
            events(),
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
