"""The learned answer: candidates, the fitted selector, short answers, «explícame más», partial
answers, and the answer metrics ``make eval`` prints."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bot.answer.candidates import candidates
from bot.answer.features import FEATURES
from bot.answer.selector import fit_selector, top1
from bot.evaluation.answers import plain_answer, score_answer
from bot.evaluation.dataset import EvalItem
from bot.schemas import Citation, Passage


def _words(text: str) -> int:
    return len(plain_answer(text).split())


def test_a_lead_in_is_one_candidate_with_the_list_it_introduces():
    passage = Passage(
        id="x",
        section="S",
        score=1.0,
        kind="text",
        text="La gobernanza tiene tres pilares: son claves. Los pilares son:\n1. Liderazgo\n2. Visión\n3. Agenda",
    )
    found = candidates([passage])
    lead = next(c for c in found if c.text == "Los pilares son:")
    assert lead.items == ("1. Liderazgo", "2. Visión", "3. Agenda")
    assert [c.pieces for c in found[:2]] == [(0,), (1,)]  # each candidate knows its sentence vector rows


def test_the_selector_learns_which_signal_marks_the_answer_and_says_so_on_held_out_folds():
    rng = np.random.default_rng(1)
    examples = []
    for _ in range(60):
        matrix = rng.normal(size=(8, len(FEATURES))).astype(np.float32)
        answer = int(np.argmax(matrix[:, 2]))  # the third signal marks the relevant candidate
        relevant = np.zeros(8, dtype=np.float32)
        relevant[answer] = 1
        examples.append((matrix, relevant))
    fitted = fit_selector(examples, repeats=1)
    assert fitted["tune_cv_top1"] > 0.8 and int(np.argmax(fitted["weights"])) == 2
    assert top1(np.zeros(len(FEATURES)), examples) < 0.5  # an unfitted scorer does not get there


def test_answer_metrics_read_through_markers_and_list_prefixes():
    item = EvalItem(id="t", q="?", split="test", kind="list", evidence="Los pilares son: 1. Liderazgo • Visión")
    text = "Los pilares son: [1]\n1. Liderazgo\n- Visión"
    citation = Citation(n=1, section="S", text="Los pilares son:\n1. Liderazgo\n• Visión", score=1.0, id="x")
    score = score_answer(item, text, [citation], "answer", retrieval_first=True)
    assert plain_answer(text) == "Los pilares son: 1. Liderazgo Visión"
    assert score.holds and score.first_holds and not score.empty and score.words == 6
    missing = score_answer(item, "Otra cosa. [1]", [citation], "answer", retrieval_first=False)
    assert not missing.holds and missing.first_holds


@pytest.mark.parametrize(
    "question",
    [
        "para que sirve el benchmarking en la fase 2",
        "quien coordina la red cluster actualmente",
        "que papel tienen las camaras de comercio",
        "como se mide el impacto de una iniciativa",
    ],
)
def test_answers_are_short_and_lead_with_a_cited_sentence(advisor, question):
    answer = advisor.ask(question)
    assert answer.in_scope and answer.kind == "answer" and answer.answer.strip()
    assert _words(answer.answer) <= 120
    assert re.search(r"\[1\]$", answer.answer.split("\n")[0])


def test_explicame_mas_gives_what_the_short_answer_left_out(advisor):
    conversation = "c-mas"
    first = advisor.ask("que hace la fase 1", conversation_id=conversation)
    assert first.more
    more = advisor.ask("explícame más", conversation_id=conversation)
    assert more.in_scope and more.answer.strip()
    shown = {line.rsplit(" [", 1)[0] for line in first.answer.split("\n")}
    assert not shown & {line.rsplit(" [", 1)[0] for line in more.answer.split("\n")}


@pytest.mark.parametrize(
    ("question", "lacking"),
    [
        (
            "cada cuanto se deben hacer las reuniones de la iniciativa",
            "La cartilla no indica cada cuánto se deben hacer",
        ),
        ("cuanto dinero deben aportar los empresarios a la iniciativa", "La cartilla no indica cuánto dinero"),
    ],
)
def test_a_figure_the_booklet_lacks_gets_an_honest_partial_answer(advisor, question, lacking):
    answer = advisor.ask(question)
    assert answer.in_scope and answer.kind == "partial"
    first, *rest = answer.answer.split("\n")
    assert first.startswith(lacking) and first.endswith("lo que sí dice es:")
    assert rest and answer.citations and re.search(r"\[1\]", rest[0])


@pytest.mark.parametrize(
    "question", ["cuantas fases tiene el diseño de una iniciativa cluster", "cuando se creo la red cluster colombia"]
)
def test_a_figure_the_booklet_states_is_answered_not_called_partial(advisor, question):
    answer = advisor.ask(question)
    assert answer.in_scope and answer.kind == "answer"
