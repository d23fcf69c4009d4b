"""The interactive text loop behind ``asesor diagnose``.

Why this exists: the terminal is the simplest channel and the one used to try the diagnosis by
hand, but it still needs commands (atrás, ayuda, saltar, reiniciar, salir) and resumable sessions.
The loop only talks through the three callables it receives (read a line, write a message, save
the session), so it can be tested without a terminal and reused with any store; writing report
files is left to the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from . import engine
from .instrument import Instrument
from .models import Session
from .report import practices_phrase

__all__ = ["COMMANDS_HELP", "run_terminal"]

COMMANDS_HELP = (
    "Responda con 0, 1 o 2 (o escriba «no», «parcial» o «completo»). "
    "Comandos: «ayuda» o «?», «atrás», «saltar», «reiniciar» y «salir»."
)

_COMMANDS = {
    "atras": "back", "volver": "back", "anterior": "back",
    "ayuda": "help", "?": "help", "help": "help", "que significa": "help",
    "saltar": "skip", "omitir": "skip", "siguiente": "skip",
    "reiniciar": "restart", "empezar de nuevo": "restart",
    "salir": "quit", "pausa": "quit", "pausar": "quit", "terminar": "quit",
}


def _command(line: str) -> str | None:
    if line.strip() in ("?", "¿?"):
        return "help"
    text = unicodedata.normalize("NFKD", line.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z ]+", " ", text).strip()
    text = " ".join(text.split())
    return _COMMANDS.get(text)


def _question_text(instrument: Instrument, session: Session) -> str:
    view = engine.state(instrument, session)
    question = view.question
    assert question is not None
    options = "\n".join(f"  {o.value}) {o.label}" for o in question.options)
    note = " (la había saltado)" if question.index in session.skipped else ""
    return f"\n{view.progress} · {question.practice}{note}\n{question.text}\n{options}"


def _summary(instrument: Instrument, session: Session) -> str:
    result = engine.result(instrument, session)
    lines = [
        "\n¡Listo! Terminó el autodiagnóstico.",
        f"Puntaje total: {result.total} de {result.max_total}. "
        f"Nivel de madurez: {result.level.name}.",
        result.level.meaning,
    ]
    if result.unanswered:
        verb = "Quedó" if len(result.unanswered) == 1 else "Quedaron"
        lines.append(
            f"{verb} sin responder {practices_phrase(result.unanswered)}, que en el puntaje "
            "cuenta como «No se ha ejecutado»."
        )
    return "\n".join(lines)


def run_terminal(
    *,
    instrument: Instrument,
    session: Session,
    save: Callable[[Session], None],
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> Session:
    """Run the diagnosis until it finishes or the user leaves; returns the last session.

    ``read_line`` returns one line without its newline, or ``None`` at end of input (treated as
    «salir»). ``write`` receives one message per call, without a trailing newline. ``save`` is
    called after every change, so the session can be resumed later.
    """
    if session.finished:
        write(
            "Ya completó este autodiagnóstico. Escriba «reiniciar» para hacerlo de nuevo "
            "o cualquier otra cosa para salir."
        )
        line = read_line()
        if line is None or _command(line) != "restart":
            return session
        session = engine.restart(session)
        save(session)
    if not session.answers and not session.skipped:
        write(instrument.intro)
    else:
        total = len(instrument.practices)
        write(f"Retomamos donde quedó: lleva {len(session.answers)} de {total} respuestas.")
    write(COMMANDS_HELP)
    show = True
    while not session.finished:
        if show:
            write(_question_text(instrument, session))
        show = True
        line = read_line()
        command = "quit" if line is None else _command(line)
        if command == "quit":
            save(session)
            write("Guardé su avance. Cuando quiera seguir, vuelva a ejecutar «asesor diagnose».")
            return session
        if command == "help":
            practice = instrument.practice(session.position)
            write(f"¿Qué significa esto?\n{practice.help}")
            write(f"En la cartilla: «{practice.statement}»")
            write(COMMANDS_HELP)
            show = False
            continue
        if command == "back":
            if session.position == 1:
                write("Ya está en la primera pregunta.")
                show = False
            session = engine.back(session)
        elif command == "skip":
            again = session.position in session.skipped
            session = engine.skip(instrument, session)
            if again or session.finished:
                write("Está bien, la dejamos sin responder.")
            else:
                write("Está bien, la dejamos para el final.")
        elif command == "restart":
            session = engine.restart(session)
            write("Empezamos de nuevo desde la primera pregunta.")
        else:
            step = engine.answer(instrument, session, line or "")
            if not step.accepted:
                write(step.message)
                show = False
                continue
            session = step.session
            write(step.message)
        save(session)
    write(_summary(instrument, session))
    return session
