"""Render a diagnosis result as Markdown, self-contained HTML, a radar chart (PNG) and a PDF.

Why this exists: the result of the self-diagnosis is something people keep, print and share with
their board, so every channel offers the same report in the format it can deliver (chat text,
a web page, an image, a file). Rendering only reads ``DiagnosisResult``; matplotlib and fpdf2 are
imported lazily so importing the package stays cheap.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from typing import Literal

from . import present
from .instrument import Instrument
from .models import DiagnosisResult

__all__ = [
    "practices_phrase",
    "radar_chart_png",
    "render_html",
    "render_markdown",
    "render_pdf",
]

BOOKLET = "«ABC de las iniciativas cluster en Colombia»"


_pct = present.percent  # "50 %", "33,3 %"


def _answer_label(instrument: Instrument, level: int, unanswered: bool) -> str:
    if unanswered:
        return "Sin responder (cuenta como «No se ha ejecutado»)"
    return instrument.option(level).label


def _strengths_text(result: DiagnosisResult) -> str:
    return "" if result.strongest_areas else present.strengths_text(result)


practices_phrase = present.practices_phrase
_unanswered_text = present.unanswered_text


def render_markdown(instrument: Instrument, result: DiagnosisResult) -> str:
    """The report as Markdown (chat channels, the CLI and ``?format=md``)."""
    out = [
        "# Resultado del autodiagnóstico",
        "",
        f"*{instrument.title}*",
        "",
        f"- **Puntaje total:** {result.total} de {result.max_total} ({_pct(result.percent)})",
        f"- **Nivel de madurez:** {result.level.name}",
        "",
        result.level.meaning,
        "",
        "## Puntaje por área",
        "",
        "| Área | Puntaje | Avance |",
        "| --- | ---: | ---: |",
    ]
    for area in result.areas:
        name = area.name.replace("|", "\\|")
        out.append(f"| {name} | {area.score} de {area.max} | {_pct(area.percent)} |")
    out += ["", "## Fortalezas", ""]
    out += [f"- {name}" for name in result.strongest_areas] or [_strengths_text(result)]
    if result.unanswered:
        out += ["", "## Prácticas sin responder", "", _unanswered_text(result)]
    out += ["", "## Recomendaciones priorizadas", ""]
    if not result.recommendations:
        out.append("¡Felicitaciones! Todas las prácticas se han ejecutado en forma completa.")
    for n, item in enumerate(result.recommendations, start=1):
        out += [
            f"### {n}. Práctica {item.practice}: {item.question}",
            "",
            f"*Su respuesta: {_answer_label(instrument, item.level, item.unanswered)}*",
            "",
            item.text,
            "",
            f"> «{item.quote}»",
            ">",
            f"> — Cartilla {BOOKLET}, sección «{item.section}»",
            "",
        ]
    out += ["---", "", f"Basado en la cartilla {BOOKLET} de la Red Cluster Colombia."]
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;
background:#fff;line-height:1.5;margin:0}
main{max-width:50rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{border-bottom:2px solid #0b5394;padding-bottom:.2rem}
.subtitle{color:#444;margin-top:0}.level{background:#eef4fb;border-left:6px solid #0b5394;
padding:.8rem 1rem}.level strong{font-size:1.3rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.4rem .6rem}
th{background:#eef4fb;text-align:left}td.num{text-align:right}
figure{text-align:center;margin:1rem 0}figure img{max-width:100%;height:auto}
blockquote{margin:.5rem 0;padding:.4rem 1rem;border-left:4px solid #999;color:#333;
background:#f6f6f6}blockquote footer{font-size:.9rem;color:#444}
.answer{font-style:italic;color:#444}ol.recs>li{margin-bottom:1.2rem}
a{color:#0b5394}
@media print{main{max-width:none;padding:0}h2{break-after:avoid}
ol.recs>li,figure,table{break-inside:avoid}.level,th,blockquote{background:none}}
@page{margin:1.5cm}
"""


def render_html(instrument: Instrument, result: DiagnosisResult, chart_png: bytes | None = None) -> str:
    """The report as one self-contained, accessible, printable HTML page."""
    e = html.escape
    rows = "".join(
        f'<tr><th scope="row">{e(a.name)}</th><td class="num">{a.score} de {a.max}</td>'
        f'<td class="num">{e(_pct(a.percent))}</td></tr>'
        for a in result.areas
    )
    figure = ""
    if chart_png:
        alt = "Gráfico de radar del avance por área: " + "; ".join(f"{a.name}, {_pct(a.percent)}" for a in result.areas)
        data = base64.b64encode(chart_png).decode("ascii")
        figure = (
            f'<figure><img src="data:image/png;base64,{data}" alt="{e(alt)}">'
            "<figcaption>Avance por área (porcentaje del máximo posible)</figcaption></figure>"
        )
    strengths = (
        "<ul>" + "".join(f"<li>{e(n)}</li>" for n in result.strongest_areas) + "</ul>"
        if result.strongest_areas
        else f"<p>{e(_strengths_text(result))}</p>"
    )
    unanswered = (
        f'<section aria-labelledby="pendientes"><h2 id="pendientes">Prácticas sin responder</h2>'
        f"<p>{e(_unanswered_text(result))}</p></section>"
        if result.unanswered
        else ""
    )
    recs = (
        "".join(
            f"<li><h3>Práctica {item.practice}: {e(item.question)}</h3>"
            f'<p class="answer">Su respuesta: '
            f"{e(_answer_label(instrument, item.level, item.unanswered))}</p>"
            f"<p>{e(item.text)}</p>"
            f"<blockquote><p>«{e(item.quote)}»</p>"
            f"<footer>Cartilla {e(BOOKLET)}, sección «{e(item.section)}»</footer></blockquote></li>"
            for item in result.recommendations
        )
        or "<li>¡Felicitaciones! Todas las prácticas se han ejecutado en forma completa.</li>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Resultado del autodiagnóstico: {e(result.level.name)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>Resultado del autodiagnóstico</h1>\n"
        f'<p class="subtitle">{e(instrument.title)}</p>\n'
        '<section aria-labelledby="nivel" class="level">'
        f'<h2 id="nivel">Nivel de madurez: <strong>{e(result.level.name)}</strong></h2>'
        f"<p>Puntaje total: <strong>{result.total} de {result.max_total}</strong> "
        f"({e(_pct(result.percent))})</p><p>{e(result.level.meaning)}</p></section>\n"
        '<section aria-labelledby="areas"><h2 id="areas">Puntaje por área</h2>'
        f"{figure}<table><caption>Puntaje por área</caption><thead><tr>"
        '<th scope="col">Área</th><th scope="col">Puntaje</th><th scope="col">Avance</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section>\n"
        f'<section aria-labelledby="fortalezas"><h2 id="fortalezas">Fortalezas</h2>'
        f"{strengths}</section>\n{unanswered}\n"
        '<section aria-labelledby="recomendaciones">'
        '<h2 id="recomendaciones">Recomendaciones priorizadas</h2>'
        f'<ol class="recs">{recs}</ol></section>\n'
        f"<footer><p>Basado en la cartilla {e(BOOKLET)} de la Red Cluster Colombia.</p></footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def radar_chart_png(result: DiagnosisResult) -> bytes:
    """A radar chart of the per-area percentages, rendered off-screen with Agg."""
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [textwrap.fill(a.name, 16) for a in result.areas]
    values = [a.percent for a in result.areas]
    angles = [2 * math.pi * i / len(values) for i in range(len(values))]
    fig = Figure(figsize=(7, 7), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="polar")
    # add_subplot is typed as returning plain Axes, but projection="polar" returns PolarAxes
    ax.set_theta_offset(math.pi / 2)  # type: ignore[attr-defined]
    ax.set_theta_direction(-1)  # type: ignore[attr-defined]
    ax.plot(angles + angles[:1], values + values[:1], color="#0b5394", linewidth=2)
    ax.fill(angles + angles[:1], values + values[:1], color="#0b5394", alpha=0.25)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], labels=["25 %", "50 %", "75 %", "100 %"], fontsize=8)
    ax.plot(angles, values, "o", color="#0b5394", markersize=4)
    ax.set_xticks(angles, labels=names, fontsize=9)
    ax.tick_params(axis="x", pad=10)
    for label, angle in zip(ax.get_xticklabels(), angles):
        side = math.sin(angle)  # clockwise from the top: > 0 is the right half
        align: Literal["left", "center", "right"] = "left" if side > 0.1 else "right" if side < -0.1 else "center"
        label.set_horizontalalignment(align)
    fig.suptitle(f"Avance por área · Nivel: {result.level.name}", fontsize=14)
    fig.subplots_adjust(left=0.2, right=0.8, top=0.88, bottom=0.1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", pad_inches=0.25, metadata={"Software": None})
    return buffer.getvalue()


_LATIN1 = str.maketrans(
    {
        "›": ">",
        "‹": "<",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "—": "-",
        "–": "-",
        "…": "...",
        "•": "-",
        "·": "-",
        "\u200b": "",
    }
)


def _latin1(text: str) -> str:
    """fpdf2's core fonts are latin-1: swap typographic characters, replace the rest."""
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def render_pdf(instrument: Instrument, result: DiagnosisResult, chart_png: bytes | None = None) -> bytes:
    """The report as a PDF (A4, core fonts)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Resultado del autodiagnóstico: {result.level.name}"))
    pdf.set_lang("es")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def para(text: str, size: int = 11, style: str = "", height: float = 6) -> None:
        pdf.set_font("helvetica", style, size)
        pdf.multi_cell(0, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    para("Resultado del autodiagnóstico", 18, "B", 9)
    para(instrument.title, 11, "I")
    pdf.ln(3)
    para(f"Nivel de madurez: {result.level.name}", 14, "B", 8)
    para(f"Puntaje total: {result.total} de {result.max_total} ({_pct(result.percent)})")
    para(result.level.meaning)
    pdf.ln(3)
    para("Puntaje por área", 14, "B", 8)
    if chart_png:
        pdf.image(io.BytesIO(chart_png), x=(pdf.w - 110) / 2, w=110)
    for area in result.areas:
        pdf.set_font("helvetica", "", 10)
        pdf.cell(110, 6, _latin1(area.name), border=1)
        pdf.cell(35, 6, f"{area.score} de {area.max}", border=1, align="R")
        pdf.cell(0, 6, _latin1(_pct(area.percent)), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    para("Fortalezas", 14, "B", 8)
    para("\n".join(f"- {n}" for n in result.strongest_areas) or _strengths_text(result))
    if result.unanswered:
        pdf.ln(3)
        para("Prácticas sin responder", 14, "B", 8)
        para(_unanswered_text(result))
    pdf.ln(3)
    para("Recomendaciones priorizadas", 14, "B", 8)
    for n, item in enumerate(result.recommendations, start=1):
        para(f"{n}. Práctica {item.practice}: {item.question}", 11, "B")
        para(f"Su respuesta: {_answer_label(instrument, item.level, item.unanswered)}", 10, "I")
        para(item.text, 10)
        para(f"«{item.quote}» (cartilla, sección «{item.section}»)", 9, "I", 5)
        pdf.ln(2)
    para(f"Basado en la cartilla {BOOKLET} de la Red Cluster Colombia.", 9, "I", 5)
    return bytes(pdf.output())
