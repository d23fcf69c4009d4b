"""One error shape for the whole HTTP API, with Spanish messages.

Why this exists: the widget, Telegram's webhook and any integrator read failures the same way,
``{"error": {"code", "message"}}``, whatever went wrong (our own ``AdvisorError``, a validation
problem, an unknown route, a crash). Pydantic's and Starlette's English texts never reach a
user: validation errors are translated here, naming the field and the reason in Spanish.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.errors import AdvisorError

__all__ = [
    "ApiError",
    "ErrorBody",
    "ErrorResponse",
    "error_json",
    "error_responses",
    "install_error_handlers",
    "spanish_validation_message",
    "INTERNAL_MESSAGE",
]

log = logging.getLogger("bot.api")

INTERNAL_MESSAGE = "Lo sentimos, ocurrió un error inesperado en el asesor. Intente de nuevo en unos minutos."


class ErrorBody(BaseModel):
    code: str = Field(description="Código estable, en minúsculas, para programas.", examples=["entrada_invalida"])
    message: str = Field(description="Explicación en español para mostrar a la persona usuaria.")


class ErrorResponse(BaseModel):
    """Cuerpo de toda respuesta de error del asesor."""

    error: ErrorBody


class ApiError(Exception):
    """An HTTP-level failure raised by the API layer itself (rate limit, body too large…)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_STATUS_TEXT: dict[int, tuple[str, str]] = {
    400: ("solicitud_invalida", "No pudimos leer la solicitud: el cuerpo debe ser JSON válido codificado en UTF-8."),
    404: ("ruta_no_encontrada", "Esa dirección no existe en el asesor."),
    405: ("metodo_no_permitido", "Esa dirección no admite este método HTTP."),
    409: ("conflicto", "La solicitud choca con el estado actual del recurso."),
    413: ("cuerpo_muy_grande", "La solicitud es demasiado grande: el máximo es de 64 KB."),
    415: ("tipo_no_admitido", "Envíe el cuerpo como JSON (Content-Type: application/json)."),
    422: ("entrada_invalida", "Los datos enviados no son válidos."),
    429: ("demasiadas_solicitudes", "Ha hecho demasiadas solicitudes seguidas. Espere un momento e intente de nuevo."),
    503: ("no_disponible", "El asesor no está disponible en este momento. Intente de nuevo en unos segundos."),
}

_EXAMPLES: dict[int, tuple[str, str]] = {
    **_STATUS_TEXT,
    404: ("diagnostico_no_encontrado", "No existe un autodiagnóstico con ese identificador."),
    422: ("entrada_invalida", "Revise «question» (la pregunta): admite como máximo 1000 caracteres."),
    500: ("error_interno", INTERNAL_MESSAGE),
}

_DESCRIPTIONS: dict[int, str] = {
    400: "El cuerpo no es JSON válido en UTF-8.",
    404: "No existe el recurso pedido.",
    405: "Método no permitido.",
    413: "El cuerpo supera los 64 KB.",
    422: "Datos no válidos: el mensaje dice qué campo y por qué.",
    429: "Límite de solicitudes por minuto superado (ver la cabecera Retry-After).",
    500: "Error inesperado (nunca por datos de entrada).",
    503: "Base de datos o índice no disponibles por el momento.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting each status with the error schema and an example."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        code, message = _EXAMPLES[status]
        out[status] = {
            "model": ErrorResponse,
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"example": {"error": {"code": code, "message": message}}}},
        }
        if status == 429:
            out[status]["headers"] = {
                "Retry-After": {"description": "Segundos que conviene esperar.", "schema": {"type": "integer"}}
            }
    return out


# Validation messages ---------------------------------------------------------------------------
_FIELD_NAMES = {
    "question": "la pregunta",
    "conversation_id": "el identificador de conversación",
    "answer": "la respuesta",
    "rating": "la valoración",
    "comment": "el comentario",
    "format": "el formato",
    "diagnosis_id": "el identificador del autodiagnóstico",
    "passage_id": "el identificador del pasaje",
}
_UNION_TAGS = ("int", "str", "float", "bool", "constrained-", "function-", "literal[", "json-or-python")


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc[1:] if not any(str(p).startswith(tag) for tag in _UNION_TAGS)]
    return ".".join(parts)


def _reason(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "es obligatorio y no se envió"
    if kind in {"string_too_short", "too_short"}:
        return (
            "no puede estar vacío"
            if ctx.get("min_length") == 1
            else f"necesita al menos {ctx.get('min_length')} caracteres"
        )
    if kind in {"string_too_long", "too_long"}:
        return f"admite como máximo {ctx.get('max_length')} caracteres"
    if kind in {"string_type", "str_type"}:
        return "debe ser un texto"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "debe ser un número entero"
    if kind == "less_than_equal":
        return f"debe ser menor o igual que {ctx.get('le')}"
    if kind == "greater_than_equal":
        return f"debe ser mayor o igual que {ctx.get('ge')}"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "")).replace(" or ", " o ")
        return f"debe ser uno de estos valores: {expected}"
    if kind == "string_pattern_mismatch":
        return "solo admite letras, números, guiones y guiones bajos"
    if kind == "extra_forbidden":
        return "no es un campo admitido"
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "debe ser un objeto JSON"
    if kind == "bool_type":
        return "debe ser verdadero o falso"
    return "tiene un valor no válido"


def spanish_validation_message(errors: list[dict[str, Any]]) -> str:
    """Spanish sentence naming each invalid field and why (at most three, deduplicated)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return "El cuerpo de la solicitud no es JSON válido."
    parts: list[str] = []
    seen: set[str] = set()
    for error in errors:
        field = _field(tuple(error.get("loc", ())))
        if field in seen:
            continue  # a union reports once per member: the first reason is enough
        seen.add(field)
        if not field:
            hint = (
                " (envíelo con Content-Type: application/json)" if error.get("type") == "model_attributes_type" else ""
            )
            parts.append(f"El cuerpo de la solicitud {_reason(error)}{hint}.")
            continue
        name = _FIELD_NAMES.get(field.split(".")[0])
        label = f"«{field}» ({name})" if name else f"«{field}»"
        parts.append(f"Revise {label}: {_reason(error)}.")
        if len(parts) == 3:
            break
    return " ".join(parts) or _STATUS_TEXT[422][1]


# Handlers --------------------------------------------------------------------------------------
async def _advisor_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AdvisorError)
    headers = {"Retry-After": "5"} if exc.status == 503 else None
    return error_json(exc.status, exc.code, exc.message, headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_json(exc.status, exc.code, exc.message, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    code = "json_invalido" if any(e.get("type") == "json_invalid" for e in errors) else "entrada_invalida"
    return error_json(422, code, spanish_validation_message(errors))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _STATUS_TEXT.get(exc.status_code, ("error_http", "No se pudo completar la solicitud."))
    return error_json(exc.status_code, code, message, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("error inesperado en %s %s", request.method, request.url.path, exc_info=exc)
    return error_json(500, "error_interno", INTERNAL_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AdvisorError, _advisor_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
