"""The 13-question self-diagnosis over HTTP: start, answer, back, skip, restart, report.

Why this exists: the widget (and any portal) runs the same state machine as the CLI and Telegram;
these routes only translate HTTP to ``Services.diagnoses`` calls (in a worker thread) and
return ``DiagnosisState``. Sessions live in the store, so any worker can serve the next step.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from starlette.concurrency import run_in_threadpool

from bot.diagnosis import DiagnosisState

from .deps import MetricsDep, ServicesDep, enforce_rate_limit
from .errors import error_responses
from .middleware import REPORT_CSP
from .models import DiagnosisAnswerRequest, DiagnosisAnswerResponse, ReportFormat

__all__ = ["build_diagnosis_router", "REPORT_MEDIA_TYPES"]

REPORT_MEDIA_TYPES = {
    ReportFormat.md: "text/markdown; charset=utf-8",
    ReportFormat.html: "text/html; charset=utf-8",
    ReportFormat.png: "image/png",
    ReportFormat.pdf: "application/pdf",
}

DiagnosisId = Annotated[
    str, Path(max_length=64, description="Identificador devuelto al iniciar.", examples=["30QzzJCspATpbsr0JqTIjA"])
]
_ERRORS = error_responses(404, 422, 429, 500, 503)


def build_diagnosis_router() -> APIRouter:
    router = APIRouter(prefix="/api/diagnosis", tags=["Autodiagnóstico"], dependencies=[Depends(enforce_rate_limit)])

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=DiagnosisState,
        summary="Iniciar un autodiagnóstico",
        description="Crea un autodiagnóstico de 13 buenas prácticas y devuelve la primera pregunta.",
        responses=error_responses(413, 429, 500, 503),
    )
    async def start(services: ServicesDep) -> DiagnosisState:
        return await run_in_threadpool(services.diagnoses.start)

    @router.get(
        "/{diagnosis_id}",
        response_model=DiagnosisState,
        summary="Consultar un autodiagnóstico",
        description="Devuelve la pregunta actual y el progreso, o el resultado si ya terminó.",
        responses=_ERRORS,
    )
    async def get_state(diagnosis_id: DiagnosisId, services: ServicesDep) -> DiagnosisState:
        return await run_in_threadpool(services.diagnoses.state, diagnosis_id)

    @router.post(
        "/{diagnosis_id}/answer",
        response_model=DiagnosisAnswerResponse,
        summary="Responder la pregunta actual",
        description="Acepta 0, 1 o 2, o texto libre («todavía no», «más o menos», «sí, completo»). "
        "Devuelve el estado, `accepted` y, si la respuesta no se entendió, `message` con la nueva "
        "pregunta en español (el estado no cambia).",
        responses=error_responses(400, 404, 413, 422, 429, 500, 503),
    )
    async def answer(
        diagnosis_id: DiagnosisId, body: DiagnosisAnswerRequest, services: ServicesDep, metrics: MetricsDep
    ) -> DiagnosisAnswerResponse:
        outcome = await run_in_threadpool(services.diagnoses.answer, diagnosis_id, body.answer, channel="web")
        if outcome.accepted and outcome.state.finished:
            metrics.diagnoses_completed.inc()
        return DiagnosisAnswerResponse(
            **outcome.state.model_dump(),
            accepted=outcome.accepted,
            message=None if outcome.accepted else outcome.message,
        )

    @router.post(
        "/{diagnosis_id}/back",
        response_model=DiagnosisState,
        summary="Volver a la pregunta anterior",
        description="Un autodiagnóstico terminado se reabre en la última pregunta.",
        responses=_ERRORS,
    )
    async def back(diagnosis_id: DiagnosisId, services: ServicesDep) -> DiagnosisState:
        return await run_in_threadpool(services.diagnoses.back, diagnosis_id)

    @router.post(
        "/{diagnosis_id}/skip",
        response_model=DiagnosisState,
        summary="Saltar la pregunta actual",
        description="La práctica se vuelve a ofrecer al final; si se salta otra vez, cuenta como 0.",
        responses=_ERRORS,
    )
    async def skip(diagnosis_id: DiagnosisId, services: ServicesDep) -> DiagnosisState:
        return await run_in_threadpool(services.diagnoses.skip, diagnosis_id, channel="web")

    @router.post(
        "/{diagnosis_id}/restart",
        response_model=DiagnosisState,
        summary="Empezar de nuevo",
        description="Borra las respuestas y vuelve a la pregunta 1 (conserva el identificador).",
        responses=_ERRORS,
    )
    async def restart(diagnosis_id: DiagnosisId, services: ServicesDep) -> DiagnosisState:
        return await run_in_threadpool(services.diagnoses.restart, diagnosis_id)

    @router.get(
        "/{diagnosis_id}/report",
        response_class=Response,
        summary="Descargar el informe",
        description="El informe del autodiagnóstico terminado en HTML (por defecto), Markdown, PNG "
        "(gráfico de radar por área) o PDF. Si faltan preguntas responde 422 "
        "(`diagnostico_incompleto`).",
        responses={
            200: {
                "description": "El informe.",
                "content": {"text/html": {}, "text/markdown": {}, "image/png": {}, "application/pdf": {}},
            },
            **_ERRORS,
        },
    )
    async def report(
        diagnosis_id: DiagnosisId,
        services: ServicesDep,
        format: Annotated[ReportFormat, Query(description="html, md, png o pdf.")] = ReportFormat.html,
    ) -> Response:
        data = await run_in_threadpool(services.diagnoses.report, diagnosis_id, format.value)
        headers = {
            "Content-Disposition": f'inline; filename="autodiagnostico.{format.value}"',
            "Cache-Control": "private, max-age=60",
        }
        if format is ReportFormat.html:
            headers["Content-Security-Policy"] = REPORT_CSP
        return Response(data, media_type=REPORT_MEDIA_TYPES[format], headers=headers)

    return router
