"""The console's pages as data and as tables: one definition feeds the HTML, the JSON and the CSV.

Why this exists: «every table downloadable as CSV» only stays true if the page and the file come
from the same rows. Each page is a function of (console, period, filters) returning JSON-ready
data, and ``tables(page, data)`` turns that data into named tables with Spanish column titles.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass

from bot.console.service import Period, StaffConsole

__all__ = ["PAGES", "Table", "page_data", "tables", "table_page", "to_csv", "date_text"]

PAGES = {
    "volumen": "Volumen",
    "sin-respuesta": "Sin respuesta",
    "valoraciones": "Valoraciones",
    "preguntas": "Preguntas y secciones",
    "autodiagnostico": "Autodiagnóstico",
}


@dataclass
class Table:
    name: str  # also the CSV file name
    title: str
    columns: list[tuple[str, str]]  # (key, Spanish header)
    rows: list[dict]


def date_text(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(epoch)) if epoch else ""


def page_data(
    console: StaffConsole, page: str, period: Period, department: str | None = None, sector: str | None = None
) -> dict:
    if page == "volumen":
        return console.volume(period)
    if page == "sin-respuesta":
        return {"groups": console.unanswered(period)}
    if page == "valoraciones":
        return console.feedback(period)
    if page == "preguntas":
        return console.top_questions(period)
    if page == "autodiagnostico":
        return console.diagnoses(period, department, sector)
    raise KeyError(page)


def _groups(groups: list[dict]) -> list[dict]:
    return [
        {
            **g,
            "variantes": " | ".join(g["variants"][1:8]),
            "variants_all": g["variants"],
            "ultima_vez": date_text(g["last"]),
        }
        for g in groups
    ]


def tables(page: str, data: dict) -> list[Table]:
    if page == "volumen":
        return [
            Table(
                "volumen-dias",
                "Preguntas por día",
                [
                    ("dia", "Día"),
                    ("preguntas", "Preguntas"),
                    ("respuestas", "Respuestas"),
                    ("rechazos", "Rechazos"),
                    ("conversacion", "Conversación"),
                ],
                data["per_day"],
            ),
            Table(
                "volumen-tipos",
                "Respuestas, rechazos y conversación",
                [("tipo", "Tipo"), ("preguntas", "Preguntas")],
                data["kinds"],
            ),
            Table("volumen-canales", "Por canal", [("canal", "Canal"), ("preguntas", "Preguntas")], data["channels"]),
        ]
    if page == "sin-respuesta":
        return [
            Table(
                "sin-respuesta",
                "Preguntas rechazadas o poco seguras, agrupadas por parecido",
                [
                    ("count", "Veces"),
                    ("question", "Pregunta"),
                    ("variantes", "Formas parecidas"),
                    ("section", "Sección más cercana"),
                    ("kind_label", "Tipo"),
                    ("answer", "Respuesta dada"),
                    ("mark_label", "Marca"),
                    ("ultima_vez", "Última vez"),
                ],
                _groups(data["groups"]),
            )
        ]
    if page == "valoraciones":
        rates = data["rates"]
        summary = [
            {"valoracion": "Sí, me sirvió", "votos": rates["up"], "porcentaje": rates["up_rate"]},
            {"valoracion": "No me sirvió", "votos": rates["down"], "porcentaje": rates["down_rate"]},
        ]
        down = [{**row, "fecha": date_text(row["fecha"])} for row in data["thumbs_down"]]
        return [
            Table(
                "valoraciones-tasas",
                "Valoraciones: me sirvió / no me sirvió",
                [("valoracion", "Valoración"), ("votos", "Votos"), ("porcentaje", "%")],
                summary,
            ),
            Table(
                "valoraciones-motivos",
                "Motivos de «no me sirvió»",
                [("motivo", "Motivo"), ("votos", "Votos")],
                data["reasons"],
            ),
            Table(
                "valoraciones-negativas",
                "Respuestas que no sirvieron (con su motivo y comentario)",
                [
                    ("fecha", "Fecha"),
                    ("canal", "Canal"),
                    ("pregunta", "Pregunta"),
                    ("respuesta", "Respuesta"),
                    ("motivo", "Motivo"),
                    ("comentario", "Comentario"),
                ],
                down,
            ),
        ]
    if page == "preguntas":
        return [
            Table(
                "preguntas",
                "Preguntas más frecuentes (agrupadas)",
                [
                    ("count", "Veces"),
                    ("question", "Pregunta"),
                    ("variantes", "Formas parecidas"),
                    ("section", "Sección citada"),
                ],
                _groups(data["groups"]),
            ),
            Table(
                "secciones",
                "Secciones más citadas",
                [("seccion", "Sección"), ("respuestas", "Respuestas")],
                data["sections"],
            ),
        ]
    if page == "autodiagnostico":
        return [
            Table(
                "autodiagnostico-niveles",
                "Distribución de niveles de madurez",
                [("nivel", "Nivel"), ("autodiagnosticos", "Autodiagnósticos")],
                data["levels"],
            ),
            Table(
                "autodiagnostico-areas",
                "Promedio por área",
                [("nombre", "Área"), ("porcentaje", "% del máximo")],
                data["areas"],
            ),
            Table(
                "autodiagnostico-practicas",
                "Promedio por práctica (0 a 2)",
                [
                    ("practica", "N.º"),
                    ("nombre", "Práctica"),
                    ("area_nombre", "Área"),
                    ("promedio", "Promedio"),
                    ("no_ejecutado", "«No ejecutado»"),
                    ("respuestas", "Respuestas"),
                ],
                data["practices"],
            ),
            Table(
                "autodiagnostico-no-ejecutadas",
                "Prácticas más veces «no ejecutado»",
                [("practica", "N.º"), ("nombre", "Práctica"), ("no_ejecutado", "Veces")],
                data["never"],
            ),
        ]
    raise KeyError(page)


def table_page(name: str) -> str | None:
    """The page a CSV table belongs to (``None``: no such table)."""
    for page, prefix in (
        ("autodiagnostico", "autodiagnostico"),
        ("valoraciones", "valoraciones"),
        ("volumen", "volumen"),
        ("sin-respuesta", "sin-respuesta"),
        ("preguntas", "preguntas"),
        ("preguntas", "secciones"),
    ):
        if name.startswith(prefix):
            return page
    return None


def to_csv(table: Table) -> str:
    """UTF-8 CSV with a BOM (Excel opens the tildes right); formulas are defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for _, title in table.columns])
    for row in table.rows:
        cells = []
        for key, _ in table.columns:
            value = row.get(key)
            text = "" if value is None else str(value)
            cells.append("'" + text if text[:1] in ("=", "+", "-", "@") else text)
        writer.writerow(cells)
    return "\ufeff" + buffer.getvalue()
