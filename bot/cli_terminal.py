"""The interactive text loop behind ``asesor diagnose``, over the diagnosis service.

Why this exists: the terminal is the simplest channel and the one used to try the diagnosis by
hand, but it still needs commands (atrás, ayuda, saltar, reiniciar, salir) and resumable sessions.
It goes through the same service as the web and Telegram (``Services.diagnoses``): every change
is saved compare-and-set, so a terminal and a browser on one diagnosis cannot undo each other.
The loop only talks through the service and two callables (read a line, write a message), so it
is tested without a terminal; writing report files is left to the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.diagnosis import DiagnosisState, present

if TYPE_CHECKING:
    from bot.services.diagnoses import Diagnoses

__all__ = ["COMMANDS_HELP", "run_terminal"]

COMMANDS_HELP = (
    "Responda con 0, 1 o 2 (o escriba «no», «parcial» o «completo»). "
    "Comandos: «ayuda» o «?», «atrás», «saltar», «reiniciar» y «salir»."
)

_COMMANDS = {
    "atras": "back",
    "volver": "back",
    "anterior": "back",
    "ayuda": "help",
    "?": "help",
    "help": "help",
    "que significa": "help",
    "saltar": "skip",
    "omitir": "skip",
    "siguiente": "skip",
    "reiniciar": "restart",
    "empezar de nuevo": "restart",
    "salir": "quit",
    "pausa": "quit",
    "pausar": "quit",
    "terminar": "quit",
}


def _command(line: str) -> str | None:
    if line.strip() in ("?", "¿?"):
        return "help"
    text = unicodedata.normalize("NFKD", line.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z ]+", " ", text).strip()
    text = " ".join(text.split())
    return _COMMANDS.get(text)


def _question_text(diagnoses: Diagnoses, state: DiagnosisState) -> str:
    assert state.question is not None
    revisit = state.question.index in diagnoses.pending(state.id)
    return "\n" + "\n".join(present.question_lines(state, revisit=revisit))


def _summary(state: DiagnosisState) -> str:
    result = state.result
    assert result is not None
    lines = [
        "\n¡Listo! Terminó el autodiagnóstico.",
        f"Puntaje total: {result.total} de {result.max_total}. {present.level_line(result)}.",
        result.level.meaning,
    ]
    if result.unanswered:
        verb = "Quedó" if len(result.unanswered) == 1 else "Quedaron"
        lines.append(
            f"{verb} sin responder {present.practices_phrase(result.unanswered)}, que en el puntaje "
            "cuenta como «No se ha ejecutado»."
        )
    return "\n".join(lines)


def run_terminal(
    diagnoses: Diagnoses,
    diagnosis_id: str,
    *,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> DiagnosisState:
    """Run the diagnosis until it finishes or the user leaves; returns the last state.

    ``read_line`` returns one line without its newline, or ``None`` at end of input (treated as
    «salir»). ``write`` receives one message per call, without a trailing newline. Every change
    is saved by the service as it happens, so the diagnosis can be resumed later.
    """
    state = diagnoses.state(diagnosis_id)
    if state.finished:
        write(
            "Ya completó este autodiagnóstico. Escriba «reiniciar» para hacerlo de nuevo "
            "o cualquier otra cosa para salir."
        )
        line = read_line()
        if line is None or _command(line) != "restart":
            return state
        state = diagnoses.restart(diagnosis_id)
    if state.answered == 0 and not diagnoses.pending(diagnosis_id):
        write(diagnoses.instrument.intro)
    else:
        write(f"Retomamos donde quedó: lleva {state.answered} de {state.total} respuestas.")
    write(COMMANDS_HELP)
    show = True
    while not state.finished:
        assert state.question is not None
        question = state.question
        if show:
            write(_question_text(diagnoses, state))
        show = True
        line = read_line()
        command = "quit" if line is None else _command(line)
        if command == "quit":
            write("Guardé su avance. Cuando quiera seguir, vuelva a ejecutar «asesor diagnose».")
            return state
        if command == "help":
            write(f"¿Qué significa esto?\n{state.question.help}")
            write(f"En la cartilla: «{state.question.statement}»")
            write(COMMANDS_HELP)
            show = False
        elif command == "back":
            if state.question.index == 1:
                write("Ya está en la primera pregunta.")
                show = False
            else:
                state = diagnoses.back(diagnosis_id)
        elif command == "skip":
            again = question.index in diagnoses.pending(diagnosis_id)
            state = diagnoses.skip(diagnosis_id)
            if again or state.finished:
                write("Está bien, la dejamos sin responder.")
            else:
                write("Está bien, la dejamos para el final.")
        elif command == "restart":
            state = diagnoses.restart(diagnosis_id)
            write("Empezamos de nuevo desde la primera pregunta.")
        else:
            outcome = diagnoses.answer(diagnosis_id, line or "", question=question.index)
            write(outcome.message)
            show = outcome.accepted or outcome.state.question != state.question
            state = outcome.state
    write(_summary(state))
    return state
