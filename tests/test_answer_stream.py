"""``AnswerStream``: the one contract every channel reads a streamed answer through."""

from __future__ import annotations

from collections.abc import Generator

from bot.answer.stream import AnswerStream
from bot.schemas import Answer


def _written(pieces: list[str], final: str) -> Generator[str, None, Answer]:
    yield from pieces
    return Answer(question="¿Qué es?", answer=final, in_scope=True)


def test_the_pieces_then_the_answer_that_counts() -> None:
    stream = AnswerStream(_written(["Una ", "iniciativa [1]."], "Una iniciativa [1]."))
    assert list(stream) == ["Una ", "iniciativa [1]."]
    assert stream.answer.answer == "Una iniciativa [1]." and stream.streamed and not stream.replaced_draft
    assert stream.text == "Una iniciativa [1]." and list(stream) == []  # a finished stream yields nothing more


def test_a_checked_answer_that_differs_replaces_the_draft() -> None:
    stream = AnswerStream(_written(["Algo sin cita."], "La respuesta extractiva [1]."))
    assert stream.answer.answer == "La respuesta extractiva [1]."  # reading it runs the rest
    assert stream.pieces == ["Algo sin cita."] and stream.replaced_draft


def test_an_extractive_answer_streams_nothing_and_replaces_nothing() -> None:
    stream = AnswerStream(_written([], "Extractiva [1]."))
    assert stream.next_piece() is None and not stream.streamed and not stream.replaced_draft
    assert stream.answer.answer == "Extractiva [1]."


def test_closing_stops_the_generation() -> None:
    ran: list[str] = []

    def endless() -> Generator[str, None, Answer]:
        try:
            while True:
                yield "palabra "
        finally:
            ran.append("closed")

    stream = AnswerStream(endless())
    assert stream.next_piece() == "palabra "
    stream.close()
    assert ran == ["closed"]
