"""Ingestion undoes the PDF damage and keeps the booklet's structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest import build_chunks
from bot.ingest.clean import clean_text, load_structure
from bot.settings import ROOT

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def chunks():
    return build_chunks(CORPUS)


def test_no_word_is_left_hyphen_broken(chunks):
    for chunk in chunks:
        assert not re.search(r"\w-\s+[a-záéíóúñ]", chunk.text), chunk.text
    assert any("cooperación" in c.text for c in chunks)


def test_page_furniture_and_footnote_markers_are_gone(chunks):
    text = "\n".join(c.text for c in chunks)
    assert "Cartilla “ABC" not in text
    assert "www.redclustercolombia.gov.co |" not in text
    assert "Porter1" not in text and "Turismo2" not in text


def test_every_section_of_the_booklet_is_reachable(chunks):
    sections = {c.section.split(" › ")[0] for c in chunks}
    expected = {"Presentación", *(f"{n}." for n in range(1, 10))}
    found = {s if s == "Presentación" else s.split(" ")[0] for s in sections}
    assert found == expected
    phases = {c.section for c in chunks if c.section.startswith("4.")}
    assert len(phases) == 3


def test_glossary_entries_and_practices_are_chunks_of_their_own(chunks):
    glossary = {c.title for c in chunks if c.kind == "glossary"}
    assert glossary == {
        "Cadena de valor",
        "Cinco fuerzas competitivas de Porter",
        "Creación de valor compartido",
        "Diamante de Porter",
        "Especialización inteligente",
        "Gobernanza",
        "Segmentos estratégicos",
    }
    practices = [c for c in chunks if c.kind == "practice"]
    assert [c.title for c in practices] == [f"Práctica {n}" for n in range(1, 14)]
    assert "surge de un esfuerzo deliberado" in practices[0].text
    assert "sostenibilidad y financiación" in practices[12].text


def test_figure_lists_are_back_under_their_introduction(chunks):
    forces = next(c for c in chunks if c.title == "Cinco fuerzas competitivas de Porter")
    assert "5. Poder de negociación de los clientes" in forces.text
    diamond = next(c for c in chunks if c.title == "Diamante de Porter")
    assert "4. Sectores conexos y de apoyo" in diamond.text and "Intensidad" not in diamond.text
    pillars = next(c for c in chunks if "combinan tres elementos clave" in c.text)
    assert "Favorecimiento de programas nacionales" in pillars.text
    presentation = next(c for c in chunks if "lideradas por la Red Cluster Colombia son:" in c.text)
    assert "Mapeo e identificación de Iniciativas Cluster" in presentation.text


def test_chunks_are_sized_for_retrieval_and_ids_are_stable(chunks):
    text_chunks = [c for c in chunks if c.kind == "text"]
    assert all(40 <= len(c.text.split()) <= 260 for c in text_chunks)
    assert [c.id for c in build_chunks(CORPUS)] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)


def test_a_missing_marker_is_a_clear_error(tmp_path: Path):
    structure = load_structure(CORPUS / "structure.yaml")
    with pytest.raises(ValueError, match="marker not found"):
        clean_text("texto sin nada de la cartilla", structure)
