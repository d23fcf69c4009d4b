"""Spanish query normalisation, follow-ups and hybrid retrieval on real user phrasings."""

from __future__ import annotations

import pytest

from bot.retrieval.followup import is_followup, resolve_followup
from bot.text import strip_terminal_controls


@pytest.fixture
def normalizer(retriever):
    return retriever.normalizer


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gobernansa", "gobernanza"),
        ("iniciatva", "iniciativa"),
        ("competitivdad", "competitividad"),
        ("estrategia competitva", "competitiva"),
        ("diagnostico", "diagnóstico"),
        ("que es la especializacion inteligente", "especialización"),
        ("financiacion", "financiación"),
    ],
)
def test_accents_and_typos_are_fixed_from_the_booklet_vocabulary(normalizer, typed, expected):
    assert expected in normalizer.normalize(typed).text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("que papel juega la academia", "juega"),
        ("y el tercero?", "tercero"),
        ("iniciativa de cafés especiales", "especiales"),
    ],
)
def test_inflections_of_booklet_words_are_not_corrected_into_other_words(normalizer, typed, kept):
    query = normalizer.normalize(typed)
    assert kept in query.text.split() and kept not in query.corrections


@pytest.mark.parametrize(
    ("typed", "expansion"),
    [
        ("q es la rcc", "Red Cluster Colombia"),
        ("que mide el ssme", "Sistema de Seguimiento, Medición y Evaluación"),
        ("que hace el mincit", "Ministerio de Comercio, Industria y Turismo"),
        ("centros de I+D+i", "investigación, desarrollo e innovación"),
        ("una IC es un gremio?", "Iniciativa Cluster"),
        ("quien pone la plata", "financiación"),
    ],
)
def test_acronyms_and_colloquialisms_are_expanded(normalizer, typed, expansion):
    assert expansion in normalizer.normalize(typed).expanded


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("q es la rcc", "que es la Red Cluster Colombia"),
        ("pa q sirve la gobernansa", "para que sirve la gobernanza"),
        ("xq toca hacer el autodiagnostico", "por qué"),
        ("q debe tener la agenda d la gobernanza", "agenda de la gobernanza"),
    ],
)
def test_texting_shorthand_is_read_as_the_word_it_stands_for(normalizer, typed, text):
    query = normalizer.normalize(typed)
    assert text in query.text and not {"q", "pa", "xq", "d"} & set(query.unknown)


@pytest.mark.parametrize(
    ("typed", "once"),
    [
        ("que es la red cluster colombia", "red cluster colombia"),
        ("el ministerio de comercio apoya los clusters?", "ministerio de comercio"),
    ],
)
def test_an_acronym_the_user_already_spells_out_is_not_expanded_again(normalizer, typed, once):
    query = normalizer.normalize(typed)
    assert query.expanded.lower().count(once) == 1 and "Industria y Turismo" not in query.text


def test_normalisation_strips_markup_and_invisible_characters(normalizer):
    query = normalizer.normalize("<b>que</b> es\u200b la gobernanza\x1b[31m")
    assert "<b>" not in query.text and "\u200b" not in query.text and "\x1b" not in query.cleaned


def test_terminal_escape_sequences_are_removed_whole(normalizer):
    typed = "\x1b]0;titulo-falso\x07\x1b[2J\x9b31m¿qué es la gobernanza?\x1b[0m"
    assert normalizer.normalize(typed).cleaned == "¿qué es la gobernanza?"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mrojo\x1b[0m", "rojo"),  # the CLI's old pattern left "[31m" behind
        ("\x1b]8;;http://malo.example\x1b\\clic", "clic"),
        ("línea\ncon\ttab\x07", "línea\ncon\ttab"),
    ],
)
def test_terminal_output_keeps_text_and_drops_whole_control_sequences(raw, shown):
    assert strip_terminal_controls(raw) == shown


@pytest.mark.parametrize("text", ["¿y la segunda?", "explícame más", "y eso quien lo financia", "y el tercero?"])
def test_short_referring_questions_are_followups(text):
    assert is_followup(text)


@pytest.mark.parametrize(
    "text", ["que es el diamante de porter", "cuales son las fases para diseñar una iniciativa cluster"]
)
def test_standalone_questions_are_not_followups(text):
    assert not is_followup(text)
    assert resolve_followup(text, "pregunta anterior") == text


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("que es gobernanza", "Gobernanza"),
        ("cuales son las fases", "4. Fases"),
        ("q es la rcc", "Presentación"),
        ("que es el diamante de porter", "9. Glosario › Diamante de Porter"),
        ("como se financia una iniciativa", "3. Aspectos clave"),
        ("que mide el ssme", "8. Sistema de seguimiento"),
        ("que hace innpulsa", "iNNpulsa"),
        (
            "Hola, soy gerente de una iniciativa de turismo en el Huila y estamos arrancando. Queria saber que "
            "hay que hacer primero para conocer el sector a nivel mundial y el cluster",
            "Fase 1",
        ),
    ],
)
def test_informal_questions_find_the_right_section_in_the_top_3(question, section, retriever):
    passages = retriever.search(question).passages[:3]
    assert any(section in p.section for p in passages), [p.section for p in passages]


def test_followup_is_resolved_against_the_previous_turn(advisor):
    advisor.ask("cuales son los pilares de la gobernanza", conversation_id="c1")
    answer = advisor.ask("y el tercero?", conversation_id="c1")
    assert answer.in_scope and "Pilares" in answer.citations[0].section


def test_a_followup_naming_a_list_item_by_its_ordinal_gets_that_item(advisor):
    advisor.ask("cuales son los pilares de la gobernanza", conversation_id="c5")
    second = advisor.ask("y el segundo?", conversation_id="c5")
    assert "2. El modelo institucional regional" in second.answer and "1. La consolidación" not in second.answer
    third = advisor.ask("y el tercero?", conversation_id="c5")  # it sits in the list's next passage
    assert "3. Una agenda empresarial" in third.answer and "2. El modelo" not in third.answer
    assert (
        "1. La consolidación" in advisor.ask("cuales son los 3 pilares de la gobernanza").answer
    )  # a count, not an order


def test_explain_more_goes_on_instead_of_repeating_the_answer(advisor):
    first = advisor.ask("que es el ssme", conversation_id="c3")
    more = advisor.ask("explicame mas", conversation_id="c3")
    assert more.in_scope and "SSME" in more.citations[0].section
    assert not set(first.answer.split("\n")) & set(more.answer.split("\n"))
    again = advisor.ask("que es el ssme", conversation_id="c4")  # a fresh conversation repeats nothing away
    assert again.answer == first.answer


def test_a_followup_naming_one_of_the_listed_parts_answers_that_part(advisor):
    listing = advisor.ask("cuales son las fases para diseñar una iniciativa cluster", conversation_id="c2")
    assert listing.answer.startswith("La cartilla lo organiza así") and len(listing.citations) == 3
    answer = advisor.ask("y la tercera?", conversation_id="c2")
    assert not answer.answer.startswith("La cartilla lo organiza así")  # not the same outline again
    assert {c.section.split(" › ")[-1].split(":")[0] for c in answer.citations} == {"Fase 3"}


@pytest.mark.parametrize(
    ("question", "previous", "resolved"),
    [
        (
            "y despues de esa que sigue",
            "en que consiste la fase 2",
            "en que consiste la fase 3 y despues de esa que sigue",
        ),
        ("¿y la siguiente?", "que dice la práctica 9", "que dice la practica 10 ¿y la siguiente?"),
        ("¿y la anterior?", "háblame de la tercera fase", "hablame de la 2 fase ¿y la anterior?"),
        ("¿y la anterior?", "que es la fase 1", "que es la fase 1 ¿y la anterior?"),  # nothing before the first
        ("¿y la siguiente?", "cuales son las fases", "cuales son las fases ¿y la siguiente?"),  # no number to step
    ],
)
def test_next_and_previous_followups_step_the_heading_number(question, previous, resolved):
    assert resolve_followup(question, previous) == resolved


def test_a_conversation_walks_the_phases_with_la_siguiente(advisor):
    advisor.ask("en que consiste la fase 1", conversation_id="c6")
    for phase in ("Fase 2", "Fase 3"):
        answer = advisor.ask("¿y la siguiente?", conversation_id="c6")
        assert answer.in_scope and {c.section.split(" › ")[-1].split(":")[0] for c in answer.citations} == {phase}
