"""What an answer can be made of: the sentences and list blocks of the top passages.

Each candidate is one sentence of a passage (a label ending in ':' kept with what follows it on
its line), or a lead-in that ends its line («…combinan tres elementos clave:») together with the
list it introduces: quoted apart, a lead-in says nothing and an item lacks its context. A
candidate remembers which of the passage's sentences it spans, so its cosine to the question is
read from the sentence vectors the index already holds (no embedding at question time).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.schemas import Passage
from bot.text import split_sentences, stems

__all__ = ["MAX_LIST_ITEMS", "Candidate", "SentenceBank", "candidates"]

MAX_LIST_ITEMS = 10
_LIST_ITEM = re.compile(r"^(\d+\.\s|• )")


@dataclass(frozen=True)
class Candidate:
    rank: int  # the passage's place in the retrieval (0 = top)
    position: int  # the candidate's place among its passage's candidates
    count: int  # how many candidates the passage has
    text: str  # the sentence (or lead-in) as the answer shows it
    items: tuple[str, ...]  # the list a lead-in introduces, quoted with it
    pieces: tuple[int, ...]  # which of the passage's split sentences it spans (vector rows)

    @property
    def full(self) -> str:
        return "\n".join((self.text, *self.items))

    @property
    def words(self) -> int:
        return len(self.full.split())


class SentenceBank:
    """Per passage id: the row of each of its sentences in the index's sentence vectors, and the
    stems' inverse document frequency over the booklet's passages (the BM25 idf)."""

    def __init__(self, chunks, vectors: np.ndarray | None, owners: np.ndarray | None) -> None:
        self.vectors = vectors
        self.rows: dict[str, np.ndarray] = {}
        if vectors is not None and owners is not None:
            for position, chunk in enumerate(chunks):
                self.rows[chunk.id] = np.flatnonzero(owners == position)
        frequency = Counter(s for chunk in chunks for s in set(stems(chunk.text)))
        n = max(len(chunks), 1)
        self.idf = {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in frequency.items()}

    def cosines(self, passage_id: str, vector: np.ndarray | None) -> np.ndarray | None:
        rows = self.rows.get(passage_id)
        if vector is None or self.vectors is None or rows is None or not len(rows):
            return None
        return self.vectors[rows] @ vector


def _items_after(lines: list[str], start: int) -> list[str]:
    items = [line for line in lines[start + 1 :] if line.strip()]
    numbered = [item for item in items if _LIST_ITEM.match(item)]
    return (numbered if len(numbered) >= 3 else items)[:MAX_LIST_ITEMS]


def _passage_candidates(rank: int, passage: Passage) -> list[Candidate]:
    lines = passage.text.split("\n")
    found: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = []
    piece = 0
    for number, line in enumerate(lines):
        pending, pending_pieces = "", []
        sentences = split_sentences(line)
        for index, sentence in enumerate(sentences):
            pending_pieces.append(piece)
            piece += 1
            text = f"{pending} {sentence}" if pending else sentence
            last = index == len(sentences) - 1
            if text.endswith(":") and not last:
                pending = text  # a label: it stays with what follows on its line
                continue
            items = tuple(_items_after(lines, number)) if text.endswith(":") and last else ()
            found.append((text, items, tuple(pending_pieces)))
            pending, pending_pieces = "", []
    return [Candidate(rank, i, len(found), text, items, pieces) for i, (text, items, pieces) in enumerate(found)]


def candidates(passages: list[Passage], *, depth: int = 3) -> list[Candidate]:
    """Every candidate of the top ``depth`` passages, in retrieval then reading order."""
    return [c for rank, passage in enumerate(passages[:depth]) for c in _passage_candidates(rank, passage)]
