"""One answer as it is written: text pieces to show, then the authoritative, checked ``Answer``.

Why this exists: a generative answer streams its words, but the words shown are a draft: the
citation check may replace them (an uncited claim, a model that died) with the extractive answer.
Every channel (SSE, Telegram, the terminal, the evaluation) needs the same three facts, so they
live in one object, in the style of ``llm``'s ``Response``: iterate it for the pieces, read
``.answer`` for the answer that counts (it finishes the stream if needed), and ``.replaced_draft``
to know whether what was shown must be replaced. An extractive answer streams no pieces.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from bot.schemas import Answer

__all__ = ["AnswerStream"]


class AnswerStream:
    def __init__(self, pieces: Generator[str, None, Answer]) -> None:
        self._pieces = pieces
        self._shown: list[str] = []
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        while self._answer is None:
            piece = self.next_piece()
            if piece is None:
                return
            yield piece

    def next_piece(self) -> str | None:
        """The next text piece, or None once the answer is known (usable from a worker thread)."""
        if self._answer is not None:
            return None
        try:
            piece = next(self._pieces)
        except StopIteration as done:
            self._answer = done.value
            return None
        self._shown.append(piece)
        return piece

    @property
    def answer(self) -> Answer:
        """The final, checked answer (reading it runs the rest of the stream)."""
        while self.next_piece() is not None:
            pass
        assert self._answer is not None
        return self._answer

    @property
    def pieces(self) -> list[str]:
        """The text pieces shown so far, in order."""
        return list(self._shown)

    @property
    def text(self) -> str:
        """What has been shown so far."""
        return "".join(self._shown)

    @property
    def streamed(self) -> bool:
        """Whether any text piece was produced (a draft exists)."""
        return bool(self._shown)

    @property
    def replaced_draft(self) -> bool:
        """True when a draft was shown and the answer that counts is not that text."""
        return self.streamed and self.text.strip() != self.answer.answer.strip()

    def close(self) -> None:
        """Stop generating (a client that left); safe to call more than once."""
        self._pieces.close()
