"""The diagnosis engine: answer parsing, navigation, scoring, bands and prioritisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import diagnosis as dx
from bot.diagnosis import Instrument, Session, parse_answer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return dx.load_instrument(ROOT / "corpus" / "diagnosis.yaml")


def run(instrument: Instrument, answers: list[int | str], session_id: str = "t") -> Session:
    session = dx.start(session_id)
    for raw in answers:
        step = dx.answer(instrument, session, raw)
        assert step.accepted, (raw, step.message)
        session = step.session
    return session


# --- parse_answer -------------------------------------------------------------------------------

PHRASES: list[tuple[int | str, int | None]] = [
    # buttons and labels
    (0, 0),
    (1, 1),
    (2, 2),
    ("0", 0),
    ("1", 1),
    ("2", 2),
    (" 2) ", 2),
    ("opción 1", 1),
    ("No se ha ejecutado", 0),
    ("Se ha ejecutado en forma parcial", 1),
    ("Se ha ejecutado en forma completa", 2),
    ("No", 0),
    ("Parcial", 1),
    ("Completo", 2),
    # no
    ("no", 0),
    ("nop", 0),
    ("NOOO", 0),
    ("todavia no", 0),
    ("Todavía no.", 0),
    ("nada", 0),
    ("aun no", 0),
    ("aún no lo hemos hecho", 0),
    ("no hemos empezado", 0),
    ("para nada", 0),
    ("nunca", 0),
    ("no, nada de eso", 0),
    ("ninguno", 0),
    ("❌", 0),
    ("👎", 0),
    ("0%", 0),
    ("no se ha hecho", 0),
    # partial
    ("parcial", 1),
    ("parcialmente", 1),
    ("a medias", 1),
    ("mas o menos", 1),
    ("más o menos", 1),
    ("en parte", 1),
    ("algo", 1),
    ("si, parcialmente", 1),
    ("sí, pero falta", 1),
    ("no completamente", 1),
    ("no del todo", 1),
    ("no totalmente", 1),
    ("un poco", 1),
    ("en proceso", 1),
    ("estamos en eso", 1),
    ("apenas estamos empezando", 1),
    ("casi", 1),
    ("tenemos algunos avances", 1),
    ("50 %", 1),
    ("🤏", 1),
    ("medio hecho", 1),
    # yes
    ("si", 2),
    ("sí", 2),
    ("Sí!", 2),
    ("siii", 2),
    ("sí, completo", 2),
    ("completo", 2),
    ("completamente", 2),
    ("totalmente", 2),
    ("ya", 2),
    ("ya lo hicimos", 2),
    ("claro que si", 2),
    ("¡Claro que sí!", 2),
    ("por supuesto", 2),
    ("listo", 2),
    ("✅", 2),
    ("👍", 2),
    ("✔️", 2),
    ("100%", 2),
    ("en forma completa", 2),
    ("sí, ya lo tenemos", 2),
    ("¡Cómo no!", 2),
    ("no nos falta nada", 2),
    ("dos", 2),
    # more partial and no
    ("estamos trabajando en eso", 1),
    ("se hizo una parte", 1),
    ("la mayoría", 1),
    ("uno", 1),
    ("no tenemos", 0),
    ("no hay", 0),
    ("cero", 0),
    ("casi nada", 0),
    # not an answer
    ("que es gobernanza", None),
    ("¿qué es gobernanza?", None),
    ("hola", None),
    ("", None),
    ("   ", None),
    ("no sé", None),
    ("no lo se", None),
    ("ni idea", None),
    ("ok", None),
    ("asdf", None),
    ("3", None),
    (7, None),
    (-1, None),
    (True, None),
    ("tal vez", None),
    ("quiero preguntar algo", None),
    ("como se hace un benchmarking", None),
    ("gracias", None),
    ("si?", None),
    ("no está claro", None),
    ("depende", None),
]


@pytest.mark.parametrize("raw, expected", PHRASES)
def test_parse_answer(raw: int | str, expected: int | None) -> None:
    assert parse_answer(raw) == expected


def test_parse_answer_table_is_large() -> None:
    assert sum(1 for raw, _ in PHRASES if isinstance(raw, str)) >= 30


# --- navigation ---------------------------------------------------------------------------------


def test_start_state(instrument: Instrument) -> None:
    state = dx.state(instrument, dx.start("abc"))
    data = state.model_dump(mode="json")
    assert set(data) == {"id", "finished", "answered", "total", "progress", "question", "result"}
    assert data["id"] == "abc" and data["finished"] is False and data["answered"] == 0
    assert data["total"] == 13 and data["progress"] == "Pregunta 1 de 13"
    assert data["result"] is None
    question = data["question"]
    assert set(question) == {"index", "practice", "text", "statement", "help", "options"}
    assert question["index"] == 1 and question["practice"] == "Origen y participación"
    assert question["options"] == [
        {"value": 0, "label": "No se ha ejecutado"},
        {"value": 1, "label": "Se ha ejecutado en forma parcial"},
        {"value": 2, "label": "Se ha ejecutado en forma completa"},
    ]


def test_answer_all_thirteen_finishes(instrument: Instrument) -> None:
    session = dx.start("s")
    for n in range(1, 14):
        assert dx.state(instrument, session).progress == f"Pregunta {n} de 13"
        step = dx.answer(instrument, session, "completo")
        assert step.accepted
        session = step.session
    assert session.finished and session.position == 14
    assert "Terminó" in step.message
    state = dx.state(instrument, session)
    assert state.finished and state.question is None and state.answered == 13
    assert state.result is not None and state.result.total == 26
    assert state.result.level.name == "Consolidada" and state.result.recommendations == []
    again = dx.answer(instrument, session, "no")
    assert not again.accepted and again.session == session


def test_engine_is_pure(instrument: Instrument) -> None:
    session = dx.start("p")
    step = dx.answer(instrument, session, 1)
    assert session.answers == {} and session.position == 1  # input untouched
    assert step.session.answers == {1: 1} and step.session.position == 2
    assert dx.answer(instrument, session, 1) == step  # deterministic


def test_reask_on_nonsense(instrument: Instrument) -> None:
    session = run(instrument, [2, 2])
    step = dx.answer(instrument, session, "¿qué es un benchmarking?")
    assert not step.accepted and step.session == session
    for text in (
        "no entendí",
        "0) No se ha ejecutado",
        "1) Se ha ejecutado en forma parcial",
        "2) Se ha ejecutado en forma completa",
        "«parcial»",
    ):
        assert text in step.message


def test_back(instrument: Instrument) -> None:
    session = run(instrument, [2, 1, 0])
    assert session.position == 4
    session = dx.back(session)
    assert session.position == 3 and session.answers[3] == 0
    step = dx.answer(instrument, session, "completo")
    assert step.session.answers[3] == 2 and step.session.position == 4
    first = dx.start("x")
    assert dx.back(first) == first
    done = run(instrument, [1] * 13)
    reopened = dx.back(done)
    assert reopened.position == 13 and not reopened.finished
    assert dx.answer(instrument, reopened, 2).session.finished


def test_back_then_answer_skips_already_answered(instrument: Instrument) -> None:
    session = run(instrument, [1, 1, 1, 1, 1])
    session = dx.back(dx.back(dx.back(session)))  # at 3
    assert dx.answer(instrument, session, 0).session.position == 6


def test_skip_comes_back_at_the_end(instrument: Instrument) -> None:
    session = run(instrument, [2])
    session = dx.skip(instrument, session)  # skip practice 2
    assert session.position == 3 and session.skipped == [2]
    for _ in range(3, 14):
        session = dx.answer(instrument, session, "parcial").session
    assert not session.finished and session.position == 2  # back to the skipped one
    assert dx.state(instrument, session).progress == "Pregunta 2 de 13"
    step = dx.answer(instrument, session, "sí")
    assert step.session.finished and step.session.skipped == []
    assert "pendientes" not in step.message


def test_skipping_twice_finishes_with_unanswered(instrument: Instrument) -> None:
    session = dx.start("k")
    session = dx.skip(instrument, session)  # 1
    session = dx.answer(instrument, session, 1).session
    session = dx.skip(instrument, session)  # 3
    for _ in range(4, 14):
        step = dx.answer(instrument, session, 1)
        session = step.session
    assert session.position == 1 and "pendientes" in step.message
    session = dx.skip(instrument, session)
    assert session.position == 3
    session = dx.skip(instrument, session)
    assert session.finished and session.skipped == [1, 3]
    outcome = dx.result(instrument, session)
    assert outcome.unanswered == [1, 3] and outcome.total == 11
    flagged = [r.practice for r in outcome.recommendations if r.unanswered]
    assert flagged == [1, 3]
    assert all(r.level == 0 for r in outcome.recommendations if r.unanswered)


def test_skip_last_question(instrument: Instrument) -> None:
    session = run(instrument, [1] * 12)
    session = dx.skip(instrument, session)
    assert session.finished and session.skipped == [13]  # nothing else to revisit
    assert dx.result(instrument, session).unanswered == [13]
    session = run(instrument, [1])
    session = dx.skip(instrument, session)  # 2
    for _ in range(3, 13):
        session = dx.answer(instrument, session, 1).session
    session = dx.skip(instrument, session)  # 13
    assert session.position == 2 and session.skipped == [2, 13]
    session = dx.skip(instrument, session)
    assert session.position == 13
    assert dx.answer(instrument, session, 2).session.finished


def test_restart(instrument: Instrument) -> None:
    session = dx.skip(instrument, run(instrument, [2, 1, 0], session_id="keep"))
    fresh = dx.restart(session)
    assert fresh == dx.start("keep")


def test_session_round_trips_through_json(instrument: Instrument) -> None:
    session = dx.skip(instrument, run(instrument, [2, 1]))
    again = Session.model_validate_json(session.model_dump_json())
    assert again == session and again.answers == {1: 2, 2: 1}


# --- results ------------------------------------------------------------------------------------


def test_all_parcial(instrument: Instrument) -> None:
    outcome = dx.result(instrument, run(instrument, ["parcial"] * 13))
    assert outcome.total == 13 and outcome.max_total == 26 and outcome.percent == 50.0
    assert outcome.level.id == "en_desarrollo" and outcome.level.name == "En desarrollo"
    assert all(a.percent == 50.0 for a in outcome.areas)
    assert outcome.strongest_areas == []  # nothing stands out when every area is level
    assert len(outcome.recommendations) == 13
    assert outcome.unanswered == []


@pytest.mark.parametrize(
    "answers, band",
    [
        ([0] * 13, "inicial"),
        ([2, 2, 2, 1] + [0] * 9, "inicial"),
        ([2] * 4 + [0] * 9, "en_desarrollo"),
        ([2] * 8 + [0] * 5, "avanzada"),
        ([2] * 11 + [0] * 2, "consolidada"),
        ([2] * 13, "consolidada"),
    ],
)
def test_bands(instrument: Instrument, answers: list[int], band: str) -> None:
    assert dx.result(instrument, run(instrument, answers)).level.id == band


def test_scores_and_prioritisation(instrument: Instrument) -> None:
    # practices:       1  2  3  4  5  6  7  8  9 10 11 12 13
    answers = [2, 2, 2, 1, 0, 2, 2, 2, 2, 1, 0, 1, 0]
    outcome = dx.result(instrument, run(instrument, answers))
    assert outcome.total == 17 and outcome.level.id == "avanzada"
    scores = {a.id: (a.score, a.max) for a in outcome.areas}
    assert scores == {
        "origen_participacion": (5, 6),
        "analisis": (4, 4),
        "estrategia": (1, 4),
        "plan_accion": (2, 2),
        "equipo": (4, 4),
        "gobernanza": (0, 2),
        "seguimiento": (1, 2),
        "financiacion": (0, 2),
    }
    assert outcome.strongest_areas == [
        "Análisis del sector y del cluster",
        "Plan de acción",
        "Equipo y grupos de trabajo",
    ]
    order = [(r.practice, r.level) for r in outcome.recommendations]
    # origen (10) < estrategia (5 at level 0, then 4 at level 1) < gobernanza < seguimiento < financiación
    assert order == [(10, 1), (5, 0), (4, 1), (11, 0), (12, 1), (13, 0)]
    first = outcome.recommendations[0]
    practice = instrument.practice(10)
    assert first.text == practice.recommendations[1].text
    assert first.quote == practice.recommendations[1].source.quote
    assert first.section == practice.recommendations[1].source.section
    assert first.question == practice.short


def test_strongest_by_percent_when_none_is_full(instrument: Instrument) -> None:
    answers = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    answers[1] = 2  # analysis: 3 of 4 is the best percentage, no area is full
    outcome = dx.result(instrument, run(instrument, answers))
    assert outcome.strongest_areas == ["Análisis del sector y del cluster"]
    assert dx.result(instrument, run(instrument, [0] * 13)).strongest_areas == []
