"""A learned linear ranker over the signals the hybrid retriever already computes.

Why: a single mix weight (``alpha·dense + (1-alpha)·BM25``) plateaued at MRR ≈ 0.81 on the tune
split, and its errors had shapes a weight cannot fix: the 13 one-sentence practice chunks echo
every topic of the booklet and win generic questions ("¿qué es el benchmarking?") unless the
question is about the self-diagnosis; a chunk whose section title names the question's topic
should win over one that mentions it in passing (by words, and by meaning: the question's cosine
to the embedded section path); "la tercera fase" and "práctica 5" name a heading by its number;
an answer that continues in the neighbouring chunk should lift it; a long message should also be
scored by the sentence that asks (``bot.retrieval.focus``). Each of those becomes one feature,
and the weights are fitted on the eval set's tune split (softmax over all chunks, maximising the
probability of the relevant one, with an L2 penalty chosen by repeated 5-fold cross-validation)
when ``asesor index`` calibrates. The weights live in ``calibration.json``
beside the index they were fitted for; nothing is hand-set in code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot import listwise
from bot.ingest.chunk import SEPARATOR
from bot.schemas import Chunk
from bot.text import heading_numbers, stems

__all__ = [
    "FEATURES",
    "ChunkTable",
    "Signals",
    "features",
    "fit_weights",
    "fit_report",
    "choose_penalty",
    "rank_metrics",
]

FEATURES = (
    "dense",  # chunk cosine, rescaled 0–1 per query
    "sentence",  # best sentence cosine, rescaled
    "bm25",  # BM25 of the normalised, expanded question, rescaled
    "bm25_plain",  # BM25 of the question as typed (cleaned), rescaled
    "title_overlap",  # share of the question's stems in the chunk's own heading
    "path_overlap",  # share of the question's stems anywhere in the section path
    "practice",  # the chunk is one of the 13 self-diagnosis practices
    "practice_asked",  # ... and the question is about the self-diagnosis
    "glossary",  # the chunk is a glossary entry
    "glossary_short",  # ... and the question has at most two content words
    "length",  # log of the chunk's words / 5
    "section_best",  # best dense score in the chunk's top-level section
    "dense_gap",  # raw cosine minus the best raw cosine of the query
    "neighbour_dense",  # best dense score of the previous/next chunk of the same section
    "neighbour_bm25",  # best BM25 score of the previous/next chunk of the same section
    "heading_dense",  # cosine of the question to the embedded section path, rescaled
    "heading_number",  # the question names the number of the chunk's heading ("fase 2", "la tercera práctica")
    "focus_dense",  # dense, sentence and BM25 again for the focus of a long message (bot.retrieval.focus);
    "focus_sentence",  # for other questions they repeat the first three, so the weights of these three
    "focus_bm25",  # only tell the ranker how far to trust the focus over the whole message
)
PENALTIES = (0.01, 0.1, 0.3, 1.0, 3.0)


def _rescale(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


@dataclass(frozen=True)
class ChunkTable:
    """What the features need to know about each chunk, computed once per index."""

    title_stems: list[frozenset[str]]
    path_stems: list[frozenset[str]]
    practice: np.ndarray
    glossary: np.ndarray
    length: np.ndarray
    section_of: np.ndarray  # index of the chunk's top-level section
    neighbours: list[list[int]]  # previous/next chunk in reading order, same section path
    heading_numbers: list[frozenset[int]]  # "Fase 2: …" → {2}; a chapter's own "5. …" is not counted

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> ChunkTable:
        tops = [c.section.split(SEPARATOR)[0] for c in chunks]
        top_ids = {top: i for i, top in enumerate(dict.fromkeys(tops))}
        neighbours = [
            [j for j in (i - 1, i + 1) if 0 <= j < len(chunks) and chunks[j].section == c.section]
            for i, c in enumerate(chunks)
        ]
        return cls(
            title_stems=[frozenset(stems(c.section.split(SEPARATOR)[-1])) for c in chunks],
            path_stems=[frozenset(stems(c.section)) for c in chunks],
            practice=np.array([c.kind == "practice" for c in chunks], dtype=np.float32),
            glossary=np.array([c.kind == "glossary" for c in chunks], dtype=np.float32),
            length=np.array([np.log(max(len(c.text.split()), 1)) / 5 for c in chunks], dtype=np.float32),
            section_of=np.array([top_ids[t] for t in tops]),
            neighbours=neighbours,
            heading_numbers=[heading_numbers(c.section.split(SEPARATOR)[-1]) for c in chunks],
        )


@dataclass
class Signals:
    """Raw per-chunk scores for one question, before any mixing."""

    dense: np.ndarray
    sentence: np.ndarray
    bm25: np.ndarray
    bm25_plain: np.ndarray
    heading: np.ndarray  # cosine of the question to each chunk's embedded section path
    query_stems: frozenset[str]
    query_numbers: frozenset[int]
    about_diagnosis: bool
    focus: Signals | None = None  # the same scores for the focus of a long message


def _neighbour_best(values: np.ndarray, table: ChunkTable) -> np.ndarray:
    return np.array([max((values[j] for j in near), default=0.0) for near in table.neighbours], dtype=np.float32)


def features(signals: Signals, table: ChunkTable) -> np.ndarray:
    """The (chunks × FEATURES) matrix the learned weights score."""
    dense, sentence = _rescale(signals.dense), _rescale(signals.sentence)
    bm25, bm25_plain = _rescale(signals.bm25), _rescale(signals.bm25_plain)
    n_stems = max(len(signals.query_stems), 1)
    title = np.array([len(signals.query_stems & t) / n_stems for t in table.title_stems], dtype=np.float32)
    path = np.array([len(signals.query_stems & p) / n_stems for p in table.path_stems], dtype=np.float32)
    best_per_section = np.full(table.section_of.max() + 1, -np.inf, dtype=np.float32)
    np.maximum.at(best_per_section, table.section_of, dense)
    columns = [
        dense,
        sentence,
        bm25,
        bm25_plain,
        title,
        path,
        table.practice,
        table.practice * float(signals.about_diagnosis),
        table.glossary,
        table.glossary * float(len(signals.query_stems) <= 2),
        table.length,
        best_per_section[table.section_of],
        (signals.dense - signals.dense.max()).astype(np.float32),
        _neighbour_best(dense, table),
        _neighbour_best(bm25, table),
        _rescale(signals.heading),
        np.array([bool(signals.query_numbers & n) for n in table.heading_numbers], dtype=np.float32),
    ]
    if signals.focus is None:
        columns += [dense, sentence, bm25]
    else:
        focus = signals.focus
        columns += [_rescale(focus.dense), _rescale(focus.sentence), _rescale(focus.bm25)]
    return np.stack(columns, axis=1)


def _start() -> np.ndarray:
    start = np.zeros(len(FEATURES))
    start[:3] = (3.0, 1.5, 2.0)  # roughly the old hand mix, so the optimiser starts somewhere sensible
    return start


def fit_weights(
    examples: list[tuple[np.ndarray, np.ndarray]], *, penalty: float, start: np.ndarray | None = None
) -> np.ndarray:
    """Weights maximising the relevant chunk's softmax probability; ``examples`` = (features, 0/1)."""
    return listwise.fit(examples, penalty=penalty, start=_start() if start is None else start)


def rank_metrics(weights: np.ndarray, examples: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """MRR@10 of ``weights`` on ``examples`` (an example with no relevant chunk counts as a miss)."""
    total = 0.0
    for matrix, relevant in examples:
        order = np.argsort(-(matrix @ weights), kind="stable")[:10]
        total += next((1.0 / (rank + 1) for rank, j in enumerate(order) if relevant[j]), 0.0)
    return total / max(len(examples), 1)


def fit_report(examples: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """The ranker as ``calibration.json`` keeps it: features, weights, penalty, tune and CV MRR."""
    return listwise.fit_report(examples, PENALTIES, score=rank_metrics, start=_start(), features=FEATURES, metric="MRR")


def choose_penalty(
    examples: list[tuple[np.ndarray, np.ndarray]], *, folds: int = 5, repeats: int = 3
) -> tuple[float, float]:
    """(penalty, its cross-validated MRR): the L2 penalty with the best held-out MRR over repeated
    folds, ties to the stronger one (``bot.listwise.choose_penalty``). The MRR is an honest
    estimate of the ranker on unseen questions."""
    return listwise.choose_penalty(
        examples, PENALTIES, score=rank_metrics, start=_start(), folds=folds, repeats=repeats
    )
