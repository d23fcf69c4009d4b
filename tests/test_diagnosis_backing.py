"""Every recommendation of the self-diagnosis is backed by a passage of the built index."""

from __future__ import annotations


def _squash(text: str) -> str:
    return " ".join(text.replace("• ", " ").split())


def test_every_recommendation_quote_is_in_an_indexed_passage_of_its_section(loaded_index, services):
    chunks = loaded_index.chunks
    checked = 0
    for practice in services.diagnoses.instrument.practices:
        for level, recommendation in practice.recommendations.items():
            source = recommendation.source
            holders = [c for c in chunks if _squash(source.quote) in _squash(c.text)]
            assert holders, f"práctica {practice.index} nivel {level}: cita sin pasaje en el índice"
            assert any(c.section.startswith(source.section) for c in holders), (practice.index, source.section)
            checked += 1
    assert checked == 26


def test_the_answer_about_a_practice_finds_its_own_chunk(retriever):
    passages = retriever.search("que dice la practica 12 del autodiagnostico sobre seguimiento").passages[:5]
    assert any(p.section.endswith("Práctica 12") for p in passages)
