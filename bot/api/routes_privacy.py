"""A person deletes their own data: ``DELETE /api/conversations/{id}`` and ``DELETE /api/diagnosis/{id}``.

Why this exists: Colombia's Ley 1581 de 2012 gives people the right to have their personal data
deleted. The widget's «Borrar mis datos» button calls these routes with the ids it holds. Ids
are unguessable tokens (128 random bits), so holding one is the authority to delete it; an
unknown id is a 404, the same answer whether it never existed or was already deleted.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from starlette.concurrency import run_in_threadpool

from .deps import MetricsDep, ServicesDep, enforce_rate_limit
from .errors import error_responses

__all__ = ["build_privacy_router"]

_ID = dict(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
ConversationPath = Annotated[str, Path(description="Identificador de la conversación.", **_ID)]
DiagnosisPath = Annotated[str, Path(description="Identificador del autodiagnóstico.", **_ID)]
_ERRORS = error_responses(404, 422, 429, 500, 503)


def build_privacy_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["Privacidad"], dependencies=[Depends(enforce_rate_limit)])

    @router.delete(
        "/conversations/{conversation_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Borrar una conversación",
        description="Borra las preguntas y respuestas de la conversación y las valoraciones "
        "dadas en ella (Ley 1581 de 2012).",
        responses=_ERRORS,
    )
    async def delete_conversation(
        conversation_id: ConversationPath, services: ServicesDep, metrics: MetricsDep
    ) -> Response:
        await run_in_threadpool(services.personal_data.delete_conversation, conversation_id)
        metrics.deletions.labels("conversation").inc()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.delete(
        "/diagnosis/{diagnosis_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Borrar un autodiagnóstico",
        description="Borra el autodiagnóstico y todas sus respuestas (Ley 1581 de 2012).",
        responses=_ERRORS,
    )
    async def delete_diagnosis(diagnosis_id: DiagnosisPath, services: ServicesDep, metrics: MetricsDep) -> Response:
        await run_in_threadpool(services.personal_data.delete_diagnosis, diagnosis_id)
        metrics.deletions.labels("diagnosis").inc()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
