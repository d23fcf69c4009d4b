"""Continue a self-diagnosis in another channel: ``POST /api/diagnosis/{id}/handoff``.

Why this exists: a manager who starts the diagnosis in the portal's widget may prefer to finish it
on the phone. The route returns a single-use code that expires in 30 minutes (it is not the
diagnosis id and says nothing about the person) and, for the channels that are configured, the
links that carry it: ``t.me/<bot>?start=<code>`` and ``wa.me/<number>?text=Continuar <code>``.
Opening either resumes at the same question; the widget keeps its id and sees the result too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.services.channels import HANDOFF_TTL

from .deps import ServicesDep, enforce_rate_limit
from .errors import error_responses

__all__ = ["HandoffResponse", "build_handoff_router"]


class HandoffResponse(BaseModel):
    code: str = Field(description="Código de un solo uso para continuar en otro canal.", examples=["K7QXM2PAR4"])
    expires_in: int = Field(description="Segundos de validez del código.", examples=[HANDOFF_TTL])
    telegram_url: str | None = Field(description="Enlace t.me que abre el bot con el código (si hay bot).")
    whatsapp_url: str | None = Field(description="Enlace wa.me con el código como mensaje (si hay número).")


def build_handoff_router() -> APIRouter:
    router = APIRouter(prefix="/api/diagnosis", tags=["Autodiagnóstico"], dependencies=[Depends(enforce_rate_limit)])

    @router.post(
        "/{diagnosis_id}/handoff",
        status_code=status.HTTP_201_CREATED,
        response_model=HandoffResponse,
        summary="Continuar en otro canal",
        description="Crea un código de un solo uso (30 minutos) y los enlaces para seguir el "
        "autodiagnóstico en Telegram o WhatsApp, en la misma pregunta.",
        responses=error_responses(404, 413, 422, 429, 500, 503),
    )
    async def handoff(
        diagnosis_id: Annotated[str, Path(max_length=64)], request: Request, services: ServicesDep
    ) -> HandoffResponse:
        # the links name this app's bot and number (its settings may differ from the services')
        made = await run_in_threadpool(services.channels.create_handoff, diagnosis_id, request.app.state.settings)
        return HandoffResponse(
            code=made.code, expires_in=HANDOFF_TTL, telegram_url=made.telegram_url, whatsapp_url=made.whatsapp_url
        )

    return router
