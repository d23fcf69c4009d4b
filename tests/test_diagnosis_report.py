"""Diagnosis reports: Markdown, HTML (escaped, accessible), radar chart PNG and PDF."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from bot import diagnosis as dx
from bot.diagnosis import DiagnosisResult, Instrument

ROOT = Path(__file__).resolve().parents[1]
EVIL = '<script>alert("x")</script> & «ñ»'


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return dx.load_instrument(ROOT / "corpus" / "diagnosis.yaml")


def outcome_for(instrument: Instrument, answers: list[int | str]) -> DiagnosisResult:
    session = dx.start("r")
    for raw in answers:
        session = dx.answer(instrument, session, raw).session
    return dx.result(instrument, session)


@pytest.fixture(scope="module")
def mixed(instrument: Instrument) -> DiagnosisResult:
    return outcome_for(instrument, [2, 2, 2, 1, 0, 2, 2, 2, 2, 1, 0, 1, 0])


@pytest.fixture(scope="module")
def chart(mixed: DiagnosisResult) -> bytes:
    return dx.radar_chart_png(mixed)


def test_markdown_has_level_scores_and_recommendations(instrument: Instrument, mixed: DiagnosisResult) -> None:
    md = dx.render_markdown(instrument, mixed)
    assert md.startswith("# Resultado del autodiagnóstico")
    assert "**Nivel de madurez:** Avanzada" in md and "17 de 26" in md
    assert "| Análisis del sector y del cluster | 4 de 4 | 100 % |" in md
    for item in mixed.recommendations:
        assert item.text in md and f"«{item.quote}»" in md and item.section in md
    # priority order is kept
    positions = [md.index(item.text) for item in mixed.recommendations]
    assert positions == sorted(positions)
    assert "Su respuesta: No se ha ejecutado" in md


def test_markdown_all_complete_and_unanswered(instrument: Instrument) -> None:
    md = dx.render_markdown(instrument, outcome_for(instrument, [2] * 13))
    assert "Consolidada" in md and "¡Felicitaciones!" in md
    session = dx.skip(instrument, dx.start("u"))
    for _ in range(12):
        session = dx.answer(instrument, session, 1).session
    session = dx.skip(instrument, session)
    md = dx.render_markdown(instrument, dx.result(instrument, session))
    assert "## Prácticas sin responder" in md and "Dejó sin responder la práctica 1;" in md
    assert "Sin responder (cuenta como «No se ha ejecutado»)" in md


def test_html_is_escaped_and_self_contained(instrument: Instrument, mixed: DiagnosisResult, chart: bytes) -> None:
    evil_level = mixed.level.model_copy(update={"name": EVIL, "meaning": EVIL})
    evil_rec = mixed.recommendations[0].model_copy(update={"text": EVIL, "quote": EVIL})
    evil = mixed.model_copy(update={"level": evil_level, "recommendations": [evil_rec], "strongest_areas": [EVIL]})
    page = dx.render_html(instrument.model_copy(update={"title": EVIL}), evil, chart)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; «ñ»" in page
    assert page.startswith("<!DOCTYPE html>") and '<html lang="es">' in page
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page and 'alt="Gráfico de radar' in page
    assert "@media print" in page and '<th scope="col">Área</th>' in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch


def test_html_without_chart(instrument: Instrument, mixed: DiagnosisResult) -> None:
    page = dx.render_html(instrument, mixed)
    assert "<img" not in page and "Recomendaciones priorizadas" in page


def test_radar_png(chart: bytes) -> None:
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", chart[16:24])
    assert 400 <= width <= 2000 and 400 <= height <= 2000
    assert 10_000 < len(chart) < 1_000_000


def test_radar_leaves_no_pyplot_state(mixed: DiagnosisResult) -> None:
    import sys

    dx.radar_chart_png(mixed)
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_pdf(instrument: Instrument, mixed: DiagnosisResult, chart: bytes) -> None:
    pdf = dx.render_pdf(instrument, mixed, chart)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 5_000
    # characters outside latin-1 (›, “, emoji) must not break the core fonts
    odd = mixed.model_copy(update={"strongest_areas": ["A › B “c” — 👍"]})
    assert dx.render_pdf(instrument, odd, None).startswith(b"%PDF")
