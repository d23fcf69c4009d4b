"""The self-diagnosis as a pure state machine: sessions in, sessions and views out.

Why this exists: the CLI, the HTTP API, the web widget and Telegram all run the same 13-question
diagnosis, and sessions must survive restarts. Keeping the logic here, free of I/O, clocks and
randomness, means every channel behaves identically and every transition is trivially testable;
channels only persist the ``Session`` and render ``DiagnosisState``.

Navigation rules:

* Answering moves to the next practice after the current one that has no answer yet and was not
  skipped. When there is none, and the question just left was not a skipped one being revisited,
  the session goes back to the first skipped practice; otherwise it finishes.
* ``skip`` leaves the practice unanswered (answers already given are kept) and moves on with the
  same rule, so skipped practices are offered again once, at the end (skipping the very last
  pending question finishes at once). Skipping them again finishes the diagnosis; the result
  counts them as 0 and lists them as unanswered.
* ``back`` moves one question back (and reopens a finished session at question 13).
"""

from __future__ import annotations

from .answers import parse_answer
from .instrument import PRACTICE_COUNT, Instrument
from .models import (
    AreaScore,
    DiagnosisResult,
    DiagnosisState,
    LevelView,
    OptionView,
    QuestionView,
    RecommendationItem,
    Session,
    Step,
)
from .present import noted

__all__ = [
    "DONE_POSITION",
    "answer",
    "back",
    "options_text",
    "restart",
    "result",
    "skip",
    "start",
    "state",
]

DONE_POSITION = PRACTICE_COUNT + 1
"""``Session.position`` of a finished diagnosis."""


def start(session_id: str) -> Session:
    """A fresh session at question 1."""
    return Session(id=session_id)


def restart(session: Session) -> Session:
    """Forget every answer and start again, keeping the session id."""
    return start(session.id)


def _advance(session: Session, answers: dict[int, int], skipped: list[int]) -> Session:
    current = session.position
    was_revisit = current in session.skipped
    pending = [i for i in range(1, PRACTICE_COUNT + 1) if i not in answers]
    unseen = [i for i in pending if i not in skipped]
    following = [i for i in unseen if i > current] or unseen
    if not following:
        if was_revisit:
            following = [i for i in pending if i > current]
        else:  # end of the first pass: revisit the skipped ones (not the one just skipped)
            following = [i for i in pending if i != current]
    if following:
        return Session(id=session.id, answers=answers, position=following[0], skipped=skipped)
    return Session(id=session.id, answers=answers, position=DONE_POSITION, finished=True, skipped=skipped)


def options_text(instrument: Instrument) -> str:
    """The three options as one Spanish line: "0) No se ha ejecutado, 1) … o 2) …"."""
    parts = [f"{o.value}) {o.label}" for o in sorted(instrument.options, key=lambda o: o.value)]
    return ", ".join(parts[:-1]) + " o " + parts[-1]


def answer(instrument: Instrument, session: Session, raw: int | str) -> Step:
    """Record an answer to the current question, or re-ask if it was not understood."""
    if session.finished:
        message = "El autodiagnóstico ya está completo. Si quiere hacerlo de nuevo, puede reiniciarlo."
        return Step(session=session, accepted=False, message=message)
    value = parse_answer(raw)
    if value is None:
        buttons = ", ".join(f"«{o.button.lower()}»" for o in instrument.options[:-1])
        message = (
            "Disculpe, no entendí su respuesta. Elija una de estas opciones: "
            f"{options_text(instrument)}. También puede escribir {buttons} "
            f"o «{instrument.options[-1].button.lower()}»."
        )
        return Step(session=session, accepted=False, message=message)
    answers = {**session.answers, session.position: value}
    skipped = [i for i in session.skipped if i != session.position]
    new = _advance(session, answers, skipped)
    label = instrument.option(value).label
    message = noted(label)
    if new.finished:
        message += " ¡Terminó el autodiagnóstico!"
    elif new.position in new.skipped and session.position not in session.skipped:
        message += " Ahora volvamos a las preguntas que dejó pendientes."
    return Step(session=new, accepted=True, message=message, noted=label)


def skip(instrument: Instrument, session: Session) -> Session:
    """Move on without answering; the practice is offered again at the end."""
    if session.finished:
        return session
    skipped = list(session.skipped)
    if session.position not in session.answers and session.position not in skipped:
        skipped.append(session.position)
    return _advance(session, dict(session.answers), sorted(skipped))


def back(session: Session) -> Session:
    """Go to the previous question (a finished session reopens at the last one)."""
    if session.position <= 1:
        return session
    return session.model_copy(update={"position": session.position - 1, "finished": False})


def _question(instrument: Instrument, index: int) -> QuestionView:
    practice = instrument.practice(index)
    return QuestionView(
        index=index,
        practice=instrument.area(practice.area).name,
        text=practice.short,
        statement=practice.statement,
        help=practice.help,
        options=[OptionView(value=o.value, label=o.label) for o in instrument.options],
    )


def state(instrument: Instrument, session: Session) -> DiagnosisState:
    """What a channel shows: progress and current question, or the result when finished."""
    done = session.finished or session.position > PRACTICE_COUNT
    return DiagnosisState(
        id=session.id,
        finished=done,
        answered=len(session.answers),
        total=PRACTICE_COUNT,
        progress=("Autodiagnóstico completo" if done else f"Pregunta {session.position} de {PRACTICE_COUNT}"),
        question=None if done else _question(instrument, session.position),
        result=result(instrument, session) if done else None,
    )


def _percent(score: int, maximum: int) -> float:
    return round(100.0 * score / maximum, 1) if maximum else 0.0


def _strongest(areas: list[AreaScore]) -> list[str]:
    full = [a.name for a in areas if a.score == a.max]
    if full:
        return full
    best = max(a.percent for a in areas)
    if best <= 0 or all(a.percent == best for a in areas):
        return []  # nothing stands out: no area has points, or all are level
    return [a.name for a in areas if a.percent == best]


def result(instrument: Instrument, session: Session) -> DiagnosisResult:
    """Score the session (unanswered practices count as 0 and are flagged)."""
    values = {p.index: session.answers.get(p.index, 0) for p in instrument.practices}
    unanswered = [p.index for p in instrument.practices if p.index not in session.answers]
    total = sum(values.values())
    band = instrument.band_for(total)
    top = instrument.max_value
    areas = []
    for area in instrument.areas:
        members = [p.index for p in instrument.practices if p.area == area.id]
        score = sum(values[i] for i in members)
        maximum = top * len(members)
        areas.append(
            AreaScore(
                id=area.id,
                name=area.name,
                score=score,
                max=maximum,
                percent=_percent(score, maximum),
            )
        )
    items = []
    for practice in instrument.practices:
        level = values[practice.index]
        recommendation = practice.recommendations.get(level)
        if level >= top or recommendation is None:
            continue
        items.append(
            (
                (instrument.area(practice.area).phase_order, level, practice.index),
                RecommendationItem(
                    practice=practice.index,
                    question=practice.short,
                    level=level,
                    unanswered=practice.index in unanswered,
                    text=recommendation.text,
                    section=recommendation.source.section,
                    quote=recommendation.source.quote,
                ),
            )
        )
    items.sort(key=lambda pair: pair[0])
    return DiagnosisResult(
        total=total,
        max_total=instrument.max_total,
        percent=_percent(total, instrument.max_total),
        level=LevelView(id=band.id, name=band.name, meaning=band.meaning),
        areas=areas,
        strongest_areas=_strongest(areas),
        recommendations=[item for _, item in items],
        unanswered=unanswered,
    )
