"""Server-rendered HTML of the console: layout, period picker, tables with their CSV link, charts.

Why this exists: staff open the console in any browser with no build step, so pages are plain
HTML with one inline stylesheet and no script. Every value goes through ``html.escape``; the
pages' CSP allows no script at all.
"""

from __future__ import annotations

import html

from bot.console.service import MARK_LABELS
from bot.staff.tables import PAGES, Table

__all__ = ["layout", "login_page", "render_page", "message_page", "STAFF_CSP"]

STAFF_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_CHANNELS = {
    "": "Todos los canales",
    "web": "Web",
    "telegram": "Telegram",
    "cli": "Línea de comandos",
    "whatsapp": "WhatsApp",
}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2a33;background:#f5f7f9}
header{background:#12425a;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;padding:.2rem .5rem;border-radius:4px}
header a[aria-current]{background:#1f6f8b}
header form{margin-left:auto}header .muted{color:#d7e6ee}
main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.4rem 0 1.2rem;font-size:.9rem}
th,td{border:1px solid #d5dde3;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#e8eef2}
.kpis{display:flex;gap:1rem;flex-wrap:wrap}
.kpi{background:#fff;border:1px solid #d5dde3;padding:.6rem 1rem;border-radius:6px}
.kpi b{display:block;font-size:1.5rem}
form.period{display:flex;gap:.6rem;flex-wrap:wrap;align-items:end;background:#fff;padding:.6rem;
  border:1px solid #d5dde3}
label{display:flex;flex-direction:column;font-size:.8rem}
button{cursor:pointer}.marks button{margin:.1rem;font-size:.75rem}
.muted{color:#5b6b76;font-size:.85rem}.error{color:#a4161a;font-weight:600}
img{max-width:100%;background:#fff;border:1px solid #d5dde3;margin:.4rem 0}
details summary{cursor:pointer;color:#1f6f8b}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def layout(
    title: str, body: str, *, current: str | None = None, email: str | None = None, csrf: str | None = None
) -> str:
    nav = ""
    if email:
        links = "".join(
            f'<a href="/staff/{key}"{" aria-current=page" if key == current else ""}>{_e(name)}</a>'
            for key, name in PAGES.items()
        )
        nav = (
            f"<nav>{links}</nav><form method=post action=/staff/logout><span class=muted>{_e(email)}</span> "
            f'<input type=hidden name=csrf value="{_e(csrf)}"><button>Cerrar sesión</button></form>'
        )
    return (
        f"<!doctype html><html lang=es><head><meta charset=utf-8><meta name=viewport "
        f'content="width=device-width,initial-scale=1"><title>{_e(title)} · Consola del equipo</title>'
        f"<style>{_STYLE}</style></head><body><header><strong>Asesor · Consola del equipo</strong>{nav}"
        f"</header><main><h1>{_e(title)}</h1>{body}</main></body></html>"
    )


def login_page(token: str, error: str | None = None, email: str = "") -> str:
    message = f"<p class=error role=alert>{_e(error)}</p>" if error else ""
    body = (
        f"{message}<form method=post action=/staff/login class=period>"
        f'<input type=hidden name=csrf value="{_e(token)}">'
        f'<label>Correo<input name=email type=email autocomplete=username required value="{_e(email)}"></label>'
        f"<label>Contraseña<input name=password type=password autocomplete=current-password required></label>"
        f"<button>Entrar</button></form><p class=muted>Solo para el equipo de la Red Cluster Colombia. "
        f"Las cuentas se crean con «asesor staff add».</p>"
    )
    return layout("Entrar", body)


def message_page(title: str, text: str, **kwargs) -> str:
    return layout(title, f"<p>{_e(text)}</p><p><a href=/staff/volumen>Volver a la consola</a></p>", **kwargs)


def _period_form(page: str, query: dict, profiles: dict | None) -> str:
    days = query.get("dias", "30")
    options = "".join(
        f"<option value={d}{' selected' if days == d else ''}>Últimos {d} días</option>" for d in ("7", "30", "90")
    )
    channel = query.get("canal", "")
    channels = "".join(
        f'<option value="{k}"{" selected" if channel == k else ""}>{_e(v)}</option>' for k, v in _CHANNELS.items()
    )
    extra = ""
    if profiles is not None:
        for key, label, values in (
            ("departamento", "Departamento", profiles["departments"]),
            ("sector", "Sector", profiles["sectors"]),
        ):
            chosen = query.get(key, "")
            items = "".join(f"<option{' selected' if chosen == v else ''}>{_e(v)}</option>" for v in values)
            extra += f'<label>{label}<select name={key}><option value="">Todos</option>{items}</select></label>'
    return (
        f"<form method=get action=/staff/{page} class=period><label>Periodo<select name=dias>{options}"
        f'</select></label><label>Desde<input type=date name=desde value="{_e(query.get("desde", ""))}"></label>'
        f'<label>Hasta<input type=date name=hasta value="{_e(query.get("hasta", ""))}"></label>'
        f"<label>Canal<select name=canal>{channels}</select></label>{extra}<button>Ver</button></form>"
    )


def _table(table: Table, qs: str, *, marks_csrf: str | None = None, back: str = "") -> str:
    head = "".join(f"<th scope=col>{_e(title)}</th>" for _, title in table.columns)
    if marks_csrf is not None:
        head += "<th scope=col>Marcar</th>"
    rows = []
    for row in table.rows:
        cells = []
        for key, _ in table.columns:
            value = row.get(key)
            if key in ("answer", "respuesta") and value and len(str(value)) > 160:
                cells.append(f"<td><details><summary>{_e(str(value)[:150])}…</summary>{_e(value)}</details></td>")
            else:
                cells.append(f"<td>{_e(value)}</td>")
        if marks_csrf is not None:
            hidden = "".join(f'<input type=hidden name=key value="{_e(k)}">' for k in row["keys"])
            hidden += "".join(f'<input type=hidden name=question value="{_e(q)}">' for q in row["variants_all"])
            buttons = "".join(f"<button name=mark value={m}>{_e(label)}</button>" for m, label in MARK_LABELS.items())
            cells.append(
                f"<td><form method=post action=/staff/marcar class=marks>"
                f'<input type=hidden name=csrf value="{_e(marks_csrf)}">'
                f'<input type=hidden name=section value="{_e(row.get("section") or "")}">'
                f'<input type=hidden name=back value="{_e(back)}">{hidden}{buttons}</form></td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    empty = f"<tr><td colspan={len(table.columns) + (marks_csrf is not None)}>Sin datos en este periodo.</td></tr>"
    return (
        f'<section><h2>{_e(table.title)}</h2><p><a href="/staff/csv/{table.name}.csv?{_e(qs)}" download>'
        f"Descargar CSV</a></p><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows) or empty}"
        f"</tbody></table></section>"
    )


def _kpis(page: str, data: dict) -> str:
    items: list[tuple[str, object]] = []
    if page == "volumen":
        latency = data["median_latency_ms"]
        items = [
            ("Preguntas", data["total"]),
            ("Latencia mediana", f"{latency:.0f} ms" if latency is not None else "—"),
        ]
    elif page == "valoraciones":
        rates = data["rates"]
        items = [
            ("Valoraciones", rates["total"]),
            ("Me sirvió", f"{rates['up_rate']} %" if rates["up_rate"] is not None else "—"),
            ("No me sirvió", f"{rates['down_rate']} %" if rates["down_rate"] is not None else "—"),
        ]
    elif page == "autodiagnostico":
        average = data["average_percent"]
        items = [
            ("Autodiagnósticos completados", data["completed"]),
            ("Puntaje promedio", f"{average} %" if average is not None else "—"),
        ]
    elif page == "sin-respuesta":
        items = [("Grupos", len(data["groups"])), ("Preguntas", sum(g["count"] for g in data["groups"]))]
    return "<div class=kpis>" + "".join(f"<div class=kpi><b>{_e(v)}</b>{_e(k)}</div>" for k, v in items) + "</div>"


_CHARTS = {
    "volumen": [("volumen", "Preguntas por día")],
    "autodiagnostico": [("practicas", "Promedio por práctica"), ("radar", "Promedio por área")],
}
_NOTES = {
    "sin-respuesta": "Preguntas que el asesor rechazó o respondió con poca seguridad, agrupadas por parecido. "
    "Los datos personales (correos, teléfonos, cédulas) se muestran enmascarados.",
    "valoraciones": "El canal de cada valoración es el de la conversación en que se dio.",
    "autodiagnostico": "Resultados anónimos. El departamento y el sector los declara cada persona al final, si quiere.",
}


def render_page(page: str, data: dict, tables: list[Table], query: dict, qs: str, *, email: str, csrf: str) -> str:
    profiles = data.get("profiles") if page == "autodiagnostico" else None
    parts = [_period_form(page, query, profiles)]
    if page in _NOTES:
        parts.append(f"<p class=muted>{_e(_NOTES[page])}</p>")
    parts.append(_kpis(page, data))
    for name, alt in _CHARTS.get(page, []):
        parts.append(
            f'<p><img src="/staff/grafica/{name}.png?{_e(qs)}" alt="{_e(alt)}"> '
            f'<a href="/staff/grafica/{name}.png?{_e(qs)}" download>Descargar imagen</a></p>'
        )
    back = f"/staff/{page}?{qs}"
    for table in tables:
        parts.append(_table(table, qs, marks_csrf=csrf if page == "sin-respuesta" else None, back=back))
    return layout(PAGES[page], "".join(parts), current=page, email=email, csrf=csrf)
