"""``/staff``: the console's routes (login, pages, JSON, CSV, charts, marks, logout).

Why this exists: the Red's staff read what the advisor learns. Every route but the login form
depends on ``signed_in``; a request without a session gets 303 to the login page (HTML) or 401
(JSON, CSV, images), and nothing else. The work runs in a worker thread: queries and argon2 are
synchronous. Period and filters come from the query string and are validated in Spanish.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.console.events import CHANNELS
from bot.console.service import Period, StaffConsole
from bot.staff.auth import NotSignedIn, StaffAuth, StaffUser
from bot.staff.pages import STAFF_CSP, login_page, message_page, render_page
from bot.staff.tables import PAGES, page_data, table_page, tables, to_csv

__all__ = ["build_staff_router", "parse_period", "BadFilter", "signed_in"]

_DAY = 86_400
_NO_STORE = {"Cache-Control": "no-store", "Content-Security-Policy": STAFF_CSP}
_LOGIN_ERRORS = {
    "wrong": "El correo o la contraseña no son correctos.",
    "locked": "La cuenta quedó bloqueada por varios intentos fallidos. Intente de nuevo en {minutes} minutos.",
    "throttled": "Demasiados intentos en poco tiempo. Espere {seconds} segundos e intente de nuevo.",
}


class BadFilter(ValueError):
    """A period or filter that cannot be read; the message is Spanish."""


def _date(text: str, name: str) -> float:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise BadFilter(f"La fecha «{name}» debe tener la forma AAAA-MM-DD.") from None


def parse_period(query: dict, now: float) -> Period:
    channel = query.get("canal") or None
    if channel is not None and channel not in CHANNELS:
        raise BadFilter("Ese canal no existe: elija web, telegram, cli o whatsapp.")
    if query.get("desde") or query.get("hasta"):
        start = _date(query["desde"], "desde") if query.get("desde") else now - 30 * _DAY
        end = _date(query["hasta"], "hasta") + _DAY if query.get("hasta") else now + 1
        if end <= start:
            raise BadFilter("La fecha «hasta» debe ser posterior a «desde».")
        if end - start > 800 * _DAY:
            raise BadFilter("El periodo puede abarcar como máximo 800 días.")
        return Period(start, end, channel)
    days = query.get("dias") or "30"
    if days not in ("7", "30", "90"):
        raise BadFilter("El periodo debe ser de 7, 30 o 90 días, o unas fechas.")
    return Period(now - int(days) * _DAY, now + 1, channel)


def staff_console(app) -> StaffConsole | None:
    """The services' staff console, or None (still starting, disabled, or a stand-in's services)."""
    console = getattr(getattr(app.state, "services", None), "staff", None)
    return console if isinstance(console, StaffConsole) else None


def _console(request: Request) -> StaffConsole:
    console = staff_console(request.app)
    if console is None:
        raise NotSignedIn()  # still starting: nothing to show, and nothing leaks
    return console


def signed_in(request: Request) -> StaffUser:
    auth: StaffAuth = request.app.state.staff_auth
    return auth.read(request, _console(request).accounts)


StaffDep = Annotated[StaffUser, Depends(signed_in)]


def _query(request: Request) -> tuple[dict, str]:
    keys = ("dias", "desde", "hasta", "canal", "departamento", "sector")
    query = {k: request.query_params.get(k, "")[:64] for k in keys if request.query_params.get(k)}
    return query, urlencode(query)


def build_staff_router() -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False)

    def bad(request: Request, user: StaffUser, error: Exception) -> HTMLResponse:
        auth: StaffAuth = request.app.state.staff_auth
        page = message_page("No se pudo mostrar", str(error), email=user.email, csrf=user.csrf(auth.key))
        return HTMLResponse(page, status_code=400, headers=_NO_STORE)

    @router.get("/login")
    async def login_form(request: Request) -> HTMLResponse:
        response = HTMLResponse("", headers=_NO_STORE)
        token = request.app.state.staff_auth.login_token(request, response)
        response.body = login_page(token).encode()
        response.headers["content-length"] = str(len(response.body))
        return response

    @router.post("/login")
    async def login(
        request: Request,
        email: Annotated[str, Form(max_length=254)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        csrf: Annotated[str, Form(max_length=512)] = "",
    ) -> Response:
        auth: StaffAuth = request.app.state.staff_auth
        console = staff_console(request.app)
        if console is None:
            return HTMLResponse(
                message_page(
                    "Consola no disponible", "La consola se está iniciando. Intente de nuevo en unos segundos."
                ),
                status_code=503,
                headers=_NO_STORE,
            )
        if not auth.check_login_token(request, csrf):
            return HTMLResponse(
                message_page(
                    "Formulario vencido",
                    "El formulario venció o no viene de esta página. Vuelva a abrir la página de entrada.",
                ),
                status_code=403,
                headers=_NO_STORE,
            )
        client = request.client.host if request.client else "desconocido"
        result = await run_in_threadpool(console.accounts.login, email, password, client=client)
        if not result.ok:
            message = _LOGIN_ERRORS[result.reason].format(
                minutes=max(1, round(result.retry_after / 60)), seconds=result.retry_after
            )
            response = HTMLResponse("", status_code=429 if result.reason == "throttled" else 401, headers=_NO_STORE)
            token = auth.login_token(request, response)
            response.body = login_page(token, message, email=email[:254]).encode()
            response.headers["content-length"] = str(len(response.body))
            return response
        assert result.account_id is not None and result.email is not None  # a successful login sets both
        redirect = RedirectResponse("/staff/volumen", status_code=303, headers=_NO_STORE)
        auth.issue(redirect, request, account_id=result.account_id, email=result.email)
        return redirect

    @router.post("/logout")
    async def logout(request: Request, user: StaffDep, csrf: Annotated[str, Form(max_length=512)] = "") -> Response:
        auth: StaffAuth = request.app.state.staff_auth
        if not auth.check_csrf(user, csrf):
            return HTMLResponse(
                message_page("Solicitud rechazada", "Falta el código de seguridad del formulario."),
                status_code=403,
                headers=_NO_STORE,
            )
        response = RedirectResponse("/staff/login", status_code=303, headers=_NO_STORE)
        auth.clear(response)
        return response

    @router.get("")
    @router.get("/")
    async def home(user: StaffDep) -> Response:
        return RedirectResponse("/staff/volumen", status_code=303)

    async def _data(request: Request, page: str) -> tuple[dict, dict, str]:
        console = _console(request)
        query, qs = _query(request)
        period = parse_period(query, time.time())
        data = await run_in_threadpool(page_data, console, page, period, query.get("departamento"), query.get("sector"))
        return data, query, qs

    def _page_route(page: str) -> None:
        async def show(request: Request, user: StaffDep) -> Response:
            try:
                data, query, qs = await _data(request, page)
            except BadFilter as error:
                return bad(request, user, error)
            csrf = user.csrf(request.app.state.staff_auth.key)
            html = render_page(page, data, tables(page, data), query, qs, email=user.email, csrf=csrf)
            return HTMLResponse(html, headers=_NO_STORE)

        async def as_json(request: Request, user: StaffDep) -> Response:
            try:
                data, _query_, _qs = await _data(request, page)
            except BadFilter as error:
                return JSONResponse({"error": {"code": "filtro_invalido", "message": str(error)}}, status_code=400)
            return JSONResponse(data, headers={"Cache-Control": "no-store"})

        router.add_api_route(f"/{page}", show, methods=["GET"])
        router.add_api_route(f"/api/{page}.json", as_json, methods=["GET"])

    for page in PAGES:
        _page_route(page)

    @router.get("/csv/{name}.csv")
    async def csv_table(name: str, request: Request, user: StaffDep) -> Response:
        page = table_page(name)
        if page is None:
            return JSONResponse(
                {"error": {"code": "tabla_no_encontrada", "message": "Esa tabla no existe."}}, status_code=404
            )
        try:
            data, _query_, _qs = await _data(request, page)
        except BadFilter as error:
            return JSONResponse({"error": {"code": "filtro_invalido", "message": str(error)}}, status_code=400)
        table = next((t for t in tables(page, data) if t.name == name), None)
        if table is None:
            return JSONResponse(
                {"error": {"code": "tabla_no_encontrada", "message": "Esa tabla no existe."}}, status_code=404
            )
        return Response(
            to_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"},
        )

    @router.get("/grafica/{name}.png")
    async def chart(name: str, request: Request, user: StaffDep) -> Response:
        console = _console(request)
        query, _qs = _query(request)
        try:
            period = parse_period(query, time.time())
            image = await run_in_threadpool(console.chart, name, period, query.get("departamento"), query.get("sector"))
        except BadFilter as error:
            return JSONResponse({"error": {"code": "filtro_invalido", "message": str(error)}}, status_code=400)
        except KeyError:
            return JSONResponse(
                {"error": {"code": "grafica_no_encontrada", "message": "Esa gráfica no existe."}}, status_code=404
            )
        return Response(
            image,
            media_type="image/png",
            headers={"Content-Disposition": f'inline; filename="{name}.png"', "Cache-Control": "no-store"},
        )

    @router.post("/marcar")
    async def mark(request: Request, user: StaffDep) -> Response:
        form = await request.form()
        auth: StaffAuth = request.app.state.staff_auth
        if not auth.check_csrf(user, str(form.get("csrf", ""))):
            return HTMLResponse(
                message_page(
                    "Solicitud rechazada",
                    "Falta el código de seguridad del formulario o "
                    "no es válido. Recargue la página e intente de nuevo.",
                    email=user.email,
                    csrf=user.csrf(auth.key),
                ),
                status_code=403,
                headers=_NO_STORE,
            )
        keys = [str(k)[:200] for k in form.getlist("key")][:500]
        questions = [str(q)[:2000] for q in form.getlist("question")][:500]
        mark_value = str(form.get("mark", ""))
        section = str(form.get("section", ""))[:300] or None
        try:
            await run_in_threadpool(
                _console(request).mark, keys=keys, questions=questions, mark=mark_value, section=section
            )
        except ValueError:
            return bad(request, user, BadFilter("Esa marca no existe."))
        back = str(form.get("back", ""))
        target = (
            back if back.startswith("/staff/") and "//" not in back and "\\" not in back else "/staff/sin-respuesta"
        )
        return RedirectResponse(target, status_code=303)

    return router
