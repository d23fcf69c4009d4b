"""The terminal diagnosis loop (``asesor diagnose``) over the real diagnosis service and store.

Moved from the engine's tests when the loop moved to the CLI: the same assertions, now checked
against what the service saved (each change is one compare-and-set write: the row version counts them).
"""

from __future__ import annotations

from bot.cli_terminal import run_terminal
from bot.compose import Services
from bot.diagnosis import Session
from bot.store import Store


def drive(services: Services, lines: list[str], diagnosis_id: str | None = None):
    diagnoses = services.diagnoses
    diagnosis_id = diagnosis_id or diagnoses.start().id
    feed = iter(lines)
    out: list[str] = []
    final = run_terminal(diagnoses, diagnosis_id, read_line=lambda: next(feed, None), write=out.append)
    return final, "\n".join(out)


def saved(store: Store, diagnosis_id: str) -> tuple[Session, int]:
    """The session as stored and how many writes changed it after it was started."""
    data, version = store.load_diagnosis_versioned(diagnosis_id=diagnosis_id)
    return Session.model_validate(data), version - 1


def test_terminal_full_run_with_commands(services: Services, store: Store) -> None:
    instrument = services.diagnoses.instrument
    lines = ["2", "ayuda", "?", "no sé", "parcial", "atrás", "completo", "saltar"] + ["1"] * 10 + ["sí"]
    final, text = drive(services, lines)
    session, writes = saved(store, final.id)
    assert final.finished and session.answers[1] == 2 and session.answers[2] == 2 and session.answers[3] == 2
    assert session.skipped == [] and len(session.answers) == 13
    assert final == services.diagnoses.state(final.id) and writes == 2 + 1 + 1 + 1 + 10 + 1  # one write per change
    assert instrument.intro in text and "Pregunta 1 de 13" in text and "Pregunta 13 de 13" in text
    assert "0) No se ha ejecutado" in text and "2) Se ha ejecutado en forma completa" in text
    assert "¿Qué significa esto?" in text and instrument.practice(2).help in text
    assert "no entendí" in text and "la dejamos para el final" in text
    assert "(la había saltado)" in text and "Terminó el autodiagnóstico" in text
    assert "Puntaje total: 16 de 26. Nivel de madurez: Avanzada." in text


def test_terminal_quit_and_resume(services: Services, store: Store) -> None:
    first, text = drive(services, ["0", "1", "salir"])
    session, _ = saved(store, first.id)
    assert not first.finished and session.position == 3 and first == services.diagnoses.state(first.id)
    assert "Guardé su avance" in text
    eof, _ = drive(services, ["2"], diagnosis_id=first.id)  # EOF after one answer = salir
    assert saved(store, first.id)[0].position == 4 and not eof.finished
    final, text = drive(services, ["reiniciar"] + ["no"] * 13, diagnosis_id=first.id)
    assert "Retomamos donde quedó: lleva 3 de 13 respuestas." in text
    session, writes = saved(store, first.id)
    assert "Empezamos de nuevo" in text and final.finished and set(session.answers.values()) == {0}
    again, text = drive(services, ["nada"], diagnosis_id=first.id)
    assert again == final and saved(store, first.id)[1] == writes and "Ya completó este autodiagnóstico" in text
    redo, _ = drive(services, ["reiniciar", "1"], diagnosis_id=first.id)
    session, _ = saved(store, first.id)
    assert session.answers == {1: 1} and session.position == 2 and redo.question.index == 2


def test_terminal_back_on_first_question(services: Services, store: Store) -> None:
    final, text = drive(services, ["atras", "salir"])
    assert saved(store, final.id)[0] == Session(id=final.id) and "Ya está en la primera pregunta." in text


def test_an_answer_from_another_window_is_not_overwritten(services: Services, store: Store) -> None:
    """The terminal goes through compare-and-set: a browser answering the same question in between
    wins, and the terminal says so and shows the question that follows."""
    diagnoses = services.diagnoses
    diagnosis_id = diagnoses.start().id
    lines = iter(["salir"])

    def read_line() -> str | None:
        if not hasattr(read_line, "raced"):
            read_line.raced = True  # type: ignore[attr-defined]
            diagnoses.answer(diagnosis_id, 2)  # the browser answers question 1 while the terminal waits
            return "0"
        return next(lines, None)

    out: list[str] = []
    final = run_terminal(diagnoses, diagnosis_id, read_line=read_line, write=out.append)
    session, _ = saved(store, diagnosis_id)
    assert session.answers == {1: 2}, "the terminal's stale «0» must not replace the browser's answer"
    assert final.question is not None and final.question.index == 2
    text = "\n".join(out)
    assert "desde otra ventana" in text and "Pregunta 2 de 13" in text
