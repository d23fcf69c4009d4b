"""The self-diagnosis instrument (corpus/diagnosis.yaml) is valid and faithful to the booklet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.diagnosis import DEFAULT_INSTRUMENT_PATH, Instrument, load_instrument

ROOT = Path(__file__).resolve().parents[1]
YAML_PATH = ROOT / "corpus" / "diagnosis.yaml"
BOOKLET_PATH = ROOT / "corpus" / "abc-iniciativas-cluster.txt"

SECTIONS = {
    "1. Introducción › ¿Qué es una Iniciativa Cluster?",
    "2. Conceptos básicos › ¿Qué no se considera una Iniciativa Cluster?",
    "3. Aspectos clave para el diseño y desarrollo de una Iniciativa Cluster",
    "4. Fases para el diseño de una Iniciativa Cluster › Fase 1: Conociendo el cluster y el sector a nivel mundial",
    "4. Fases para el diseño de una Iniciativa Cluster › Fase 2: Identificando la estrategia competitiva de la Iniciativa Cluster",  # noqa: E501
    "4. Fases para el diseño de una Iniciativa Cluster › Fase 3: Definiendo el plan de acción de acuerdo con la estrategia competitiva",  # noqa: E501
    "5. Gobernanza de una Iniciativa Cluster",
    "5. Gobernanza de una Iniciativa Cluster › Pilares de la gobernanza",
    "5. Gobernanza de una Iniciativa Cluster › Recomendaciones para la gobernanza",
    "6. Autodiagnóstico para el análisis de buenas prácticas",
    "8. Sistema de seguimiento, medición y evaluación (SSME)",
}

# The order of the statements in the booklet's table (the numbers float between them).
STATEMENT_KEYS = [
    "surge de un esfuerzo deliberado",
    "análisis del sector a nivel mundial",
    "análisis del cluster",
    "benchmarking",
    "estrategia competitiva consensuada",
    "plan de acción estratégico",
    "participación activa del sector privado",
    "equipo de trabajo",
    "grupos de trabajo",
    "trabajo visible, abierto, colaborativo",
    "estrategia de gobernanza",
    "sistema de seguimiento, medición y evaluación",
    "estrategia de sostenibilidad y financiación",
]


def normalise(text: str) -> str:
    """De-hyphenate words broken across lines and collapse whitespace."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def booklet() -> str:
    return normalise(BOOKLET_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument(YAML_PATH)


@pytest.fixture(scope="module")
def raw_data() -> dict:
    return yaml.safe_load(YAML_PATH.read_text(encoding="utf-8"))


def test_default_path_is_the_repository_file(instrument: Instrument) -> None:
    assert DEFAULT_INSTRUMENT_PATH == YAML_PATH
    assert load_instrument() is instrument  # cached


def test_thirteen_practices_in_booklet_order(instrument: Instrument) -> None:
    assert [p.index for p in instrument.practices] == list(range(1, 14))
    for practice, key in zip(instrument.practices, STATEMENT_KEYS):
        assert key in practice.statement, (practice.index, key)
    assert instrument.max_total == 26


def test_options_are_the_booklet_columns(instrument: Instrument) -> None:
    assert [(o.value, o.label, o.button) for o in instrument.options] == [
        (0, "No se ha ejecutado", "No"),
        (1, "Se ha ejecutado en forma parcial", "Parcial"),
        (2, "Se ha ejecutado en forma completa", "Completo"),
    ]


def test_statements_are_faithful(instrument: Instrument, booklet: str) -> None:
    for practice in instrument.practices:
        statement = normalise(practice.statement)
        assert statement in booklet, practice.index
        assert "- " not in statement  # no leftover hyphenation


def test_questions_help_and_areas(instrument: Instrument) -> None:
    for practice in instrument.practices:
        assert practice.short.startswith("¿") and practice.short.endswith("?")
        assert len(practice.short) <= 160
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", practice.help.strip()) if s]
        assert 2 <= len(sentences) <= 3, practice.index
    used = {p.area for p in instrument.practices}
    assert used == {a.id for a in instrument.areas}
    assert all(a.why for a in instrument.areas)
    orders = {a.id: a.phase_order for a in instrument.areas}
    assert orders["analisis"] < orders["estrategia"] < orders["plan_accion"]
    assert orders["plan_accion"] < orders["gobernanza"] < orders["seguimiento"]
    assert orders["seguimiento"] < orders["financiacion"]


def test_recommendation_quotes_are_exact_and_short(instrument: Instrument, booklet: str) -> None:
    for practice in instrument.practices:
        assert set(practice.recommendations) >= {0, 1}
        for level, rec in practice.recommendations.items():
            quote = rec.source.quote
            assert quote in booklet, (practice.index, level, quote)
            assert 5 <= len(quote.split()) <= 15, (practice.index, level)
            assert not re.search(r"[.!?]\s+[A-ZÁÉÍÓÚÑ¿¡]", quote), "quote spans two sentences"
            assert rec.source.section in SECTIONS, rec.source.section
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", rec.text.strip()) if s]
            assert 2 <= len(sentences) <= 3, (practice.index, level)


def test_quotes_sit_in_chunks_of_their_section(instrument: Instrument) -> None:
    from bot.ingest import build_chunks

    chunks = [(c.section, re.sub(r"\s+", " ", c.text)) for c in build_chunks(ROOT / "corpus")]
    for practice in instrument.practices:
        for rec in practice.recommendations.values():
            sections = [s for s, text in chunks if rec.source.quote in text]
            assert any(s.startswith(rec.source.section) for s in sections), (practice.index, rec.source.quote, sections)


def test_bands_cover_zero_to_26(instrument: Instrument) -> None:
    bands = sorted(instrument.bands, key=lambda b: b.min)
    assert bands[0].min == 0 and bands[-1].max == 26
    assert all(b.max + 1 == n.min for b, n in zip(bands, bands[1:]))
    assert [instrument.band_for(t).id for t in (0, 13, 26)] == ["inicial", "en_desarrollo", "consolidada"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["practices"].pop(), "practices must be listed in order"),
        (lambda d: d["practices"][0].update(area="nope"), "unknown area"),
        (lambda d: d["practices"][0]["recommendations"].pop(1), "missing for levels"),
        (lambda d: d["bands"][1].update(min=7), "overlap or leave a gap"),
        (lambda d: d["bands"][-1].update(max=25), "bands must end at 26"),
        (lambda d: d.update(extra_field=1), "Extra inputs are not permitted"),
        (lambda d: d["practices"][0].update(short="Sin signos"), "Spanish question"),
    ],
)
def test_schema_rejects_broken_data(raw_data: dict, mutate, message: str) -> None:
    data = yaml.safe_load(yaml.safe_dump(raw_data, allow_unicode=True))
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        Instrument.model_validate(data)
