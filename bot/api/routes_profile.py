"""``POST /api/diagnosis/{id}/perfil``: the optional, self-declared department and sector.

Why this exists: staff compare initiatives by region and sector, anonymously. At the end of a
diagnosis the person may say where their initiative works; it is skippable, stated in the
privacy text, and stored only with the anonymous outcome (deleted with the diagnosis).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from bot.errors import NotFound, Unavailable

from .deps import ServicesDep, enforce_rate_limit
from .errors import error_responses
from .models import _Body

__all__ = ["build_profile_router", "ProfileRequest"]


class ProfileRequest(_Body):
    """Departamento y sector de la iniciativa (opcionales, declarados por la persona)."""

    department: str | None = Field(default=None, max_length=64, examples=["Nariño"])
    sector: str | None = Field(default=None, max_length=64, examples=["Agroindustria"])


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value[:64] or None


def build_profile_router() -> APIRouter:
    router = APIRouter(prefix="/api/diagnosis", tags=["Autodiagnóstico"], dependencies=[Depends(enforce_rate_limit)])

    @router.post(
        "/{diagnosis_id}/perfil",
        status_code=204,
        summary="Departamento y sector (opcional)",
        description="Al terminar, la persona puede declarar el departamento y el sector de su iniciativa "
        "para las estadísticas anónimas del equipo de la Red. Es opcional.",
        responses=error_responses(400, 404, 422, 429, 500, 503),
    )
    async def profile(
        diagnosis_id: Annotated[str, Path(max_length=64)], body: ProfileRequest, services: ServicesDep
    ) -> None:
        console = services.staff
        if console is None:
            raise Unavailable("Ahora no se puede guardar este dato. Puede omitirlo.", code="perfil_no_disponible")
        saved = await run_in_threadpool(console.set_profile, diagnosis_id, _clean(body.department), _clean(body.sector))
        if not saved:
            raise NotFound(
                "No hay un autodiagnóstico terminado con ese identificador.", code="diagnostico_no_encontrado"
            )

    return router
