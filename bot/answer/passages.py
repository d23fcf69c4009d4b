"""The booklet's passages by id and by section, as one index version holds them.

Why a module of its own: the answer service looks passages up for the channels («ver la fuente»,
``/fuentes``) and hands the composer each section's passages in reading order; all of it is
derived from the index's chunks and swapped with them when a new version is published.
"""

from __future__ import annotations

from bot.answer.compose import sections_of
from bot.errors import NotFound
from bot.schemas import Chunk, Passage

__all__ = ["PassageBook"]


class PassageBook:
    """One index version's passages: ``by_section`` for the composer, ``passage`` and ``sections``
    for the channels."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = {c.id: c for c in chunks}
        self.by_section: dict[str, list[Passage]] = sections_of(chunks)  # the first passage opens each
        self._top: list[str] = []
        for chunk in chunks:
            top = chunk.section.split(" › ")[0]
            if top not in self._top:
                self._top.append(top)

    def passage(self, passage_id: str) -> Passage:
        chunk = self._chunks.get(passage_id)
        if chunk is None:
            raise NotFound("No encontré ese pasaje de la cartilla.", code="pasaje_no_encontrado")
        return Passage(id=chunk.id, section=chunk.section, text=chunk.text, score=1.0, kind=chunk.kind)

    def sections(self) -> list[str]:
        """The booklet's top-level sections, in order."""
        return list(self._top)
