"""Hybrid retrieval: dense (Chroma) and BM25 scores of every chunk, combined into one ranking.

The default ``learned`` mode scores each chunk with weights fitted on the eval set's tune split
over a handful of features (``bot.retrieval.ranker``). Plain score mixing (each score rescaled
to 0–1 per query, then ``alpha·dense + (1-alpha)·bm25``, the dense part blending the chunk's
cosine with its best sentence's) measured better than reciprocal rank fusion and is what the
learned mode falls back to when an index has no fitted weights; RRF, dense-only and BM25-only
stay selectable so ``make eval`` can keep comparing them. The result keeps the raw signals the
scope decision needs (top dense cosine, top BM25, share of known words).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np

from bot.index.bm25 import BM25
from bot.index.embedders import VectorEmbedder
from bot.retrieval.focus import TAIL_WORDS, focus_of
from bot.retrieval.normalize import NormalizedQuery, QueryNormalizer
from bot.retrieval.ranker import ChunkTable, Signals, features
from bot.schemas import Chunk, Passage
from bot.text import numbers, stems

__all__ = ["HybridRetriever", "Retrieval", "Mode", "DEFAULT_ALPHA"]

Mode = Literal["learned", "mix", "rrf", "dense", "bm25"]
DEFAULT_ALPHA = 0.7
DEFAULT_BETA = 0.35  # share of the dense score that comes from the chunk's best sentence
RRF_K = 60


class _Dense(Protocol):
    """What the retriever needs from the vector store (``bot.index.chroma.DenseSearch``)."""

    def scores(self, vector: np.ndarray) -> np.ndarray: ...  # pragma: no cover - protocol


@dataclass
class Retrieval:
    query: NormalizedQuery
    passages: list[Passage]
    dense_top: float
    bm25_top: float
    known_fraction: float
    timings: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None  # the query embedding, reused to rank suggestions

    @property
    def asked(self) -> NormalizedQuery:
        """What the answer should be about: the focus of a long message, else the whole question."""
        return self.query.focus or self.query


def _rescale(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values)
    return (values - low) / (high - low)


def _ranks(values: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
    return ranks


class HybridRetriever:
    """Ranks every chunk of the booklet for a question."""

    def __init__(
        self,
        *,
        chunks: list[Chunk],
        dense: _Dense,
        bm25: BM25,
        embedder: VectorEmbedder,
        normalizer: QueryNormalizer,
        mode: Mode = "mix",
        alpha: float = DEFAULT_ALPHA,
        normalize: bool = True,
        sentence_vectors: np.ndarray | None = None,
        sentence_owners: np.ndarray | None = None,
        heading_vectors: np.ndarray | None = None,
        beta: float = DEFAULT_BETA,
        weights: np.ndarray | None = None,
        diagnosis_stems: frozenset[str] = frozenset(),
    ) -> None:
        self.chunks = chunks
        self.dense = dense
        self.bm25 = bm25
        self.embedder = embedder
        self.normalizer = normalizer
        self.mode = mode
        self.alpha = alpha
        self.use_normalization = normalize
        self.sentence_vectors = sentence_vectors
        self.sentence_owners = sentence_owners
        self.heading_vectors = heading_vectors
        self.beta = beta if sentence_vectors is not None else 0.0
        if mode == "learned" and weights is None:
            self.mode = "mix"  # an index calibrated before the ranker existed
        self.weights = weights
        self.diagnosis_stems = diagnosis_stems
        self.table = ChunkTable.from_chunks(chunks) if self.mode == "learned" else None

    def signals(self, question: str) -> tuple[NormalizedQuery, Signals, np.ndarray | None, dict[str, float]]:
        """Every raw score of every chunk for ``question`` (and the query vector, and timings).

        A long message (``bot.retrieval.focus``) is embedded by its last ``TAIL_WORDS`` words, where
        the question is, and its focus is scored apart for the learned ranker. Embedding all of it
        cost 60 ms and did not rank better (tune CV MRR 0.883 whole, 0.885 last 30 words)."""
        timings: dict[str, float] = {}
        query = self._normalize(question, timings)
        if focus := focus_of(query.cleaned):  # kept on the query: the answer is composed about it too
            query = replace(query, focus=self._normalize(focus, timings))
        ranked_focus = query.focus if self.mode == "learned" else None
        embedded = self._normalize(" ".join(query.cleaned.split()[-TAIL_WORDS:]), timings) if ranked_focus else query
        signals, vector = self._scores(query, embedded, timings)
        if ranked_focus:
            signals.focus = self._scores(ranked_focus, ranked_focus, timings)[0]
        return query, signals, vector, timings

    def _normalize(self, text: str, timings: dict[str, float]) -> NormalizedQuery:
        started = time.perf_counter()
        query = self.normalizer.normalize(text)
        timings["normalize"] = timings.get("normalize", 0.0) + time.perf_counter() - started
        return query

    def _scores(
        self, query: NormalizedQuery, embedded: NormalizedQuery, timings: dict[str, float]
    ) -> tuple[Signals, np.ndarray | None]:
        """Lexical scores of ``query``, dense scores of ``embedded`` (the same query, or its tail)."""

        def lap(step: str, started: float) -> None:
            timings[step] = timings.get(step, 0.0) + time.perf_counter() - started

        dense_text = query.text if self.use_normalization else query.cleaned
        lexical_text = query.expanded if self.use_normalization else query.cleaned
        embed_text = embedded.text if self.use_normalization else embedded.cleaned
        dense_scores = np.zeros(len(self.chunks), dtype=np.float32)
        best_sentence = heading = dense_scores
        vector = None
        if self.mode != "bm25" and embed_text.strip():
            started = time.perf_counter()
            vector = self.embedder.query_vector(embed_text)
            lap("embed", started)
            started = time.perf_counter()
            dense_scores = self.dense.scores(vector)
            if self.sentence_vectors is not None and self.sentence_owners is not None:
                best = np.full(len(self.chunks), -1.0, dtype=np.float32)
                np.maximum.at(best, self.sentence_owners, self.sentence_vectors @ vector)
                best_sentence = best
            if self.heading_vectors is not None:
                heading = self.heading_vectors @ vector
            lap("search", started)
        started = time.perf_counter()
        lexical_scores = self.bm25.scores(lexical_text)
        plain_scores = self.bm25.scores(query.cleaned) if self.mode == "learned" else lexical_scores
        lap("bm25", started)
        query_stems = frozenset(stems(dense_text))
        signals = Signals(
            dense=dense_scores,
            sentence=best_sentence,
            bm25=lexical_scores,
            bm25_plain=plain_scores,
            heading=heading,
            query_stems=query_stems,
            query_numbers=numbers(dense_text),
            about_diagnosis=bool(query_stems & self.diagnosis_stems),
        )
        return signals, vector

    def combine(self, signals: Signals) -> np.ndarray:
        """One score per chunk, by the configured mode."""
        if self.mode == "learned":
            assert self.table is not None  # built in __init__ for the learned mode
            return features(signals, self.table) @ self.weights
        dense_mixed = signals.dense
        if self.beta and self.mode != "bm25":
            dense_mixed = (1 - self.beta) * _rescale(signals.dense) + self.beta * _rescale(signals.sentence)
        if self.mode == "dense":
            return dense_mixed
        if self.mode == "bm25":
            return signals.bm25
        if self.mode == "rrf":
            return 1.0 / (RRF_K + _ranks(dense_mixed)) + 1.0 / (RRF_K + _ranks(signals.bm25))
        return self.alpha * _rescale(dense_mixed) + (1 - self.alpha) * _rescale(signals.bm25)

    def search(self, question: str, *, k: int = 10) -> Retrieval:
        query, signals, vector, timings = self.signals(question)
        started = time.perf_counter()
        combined = self.combine(signals)
        timings["rank"] = time.perf_counter() - started
        dense_scores, lexical_scores = signals.dense, signals.bm25
        order = np.argsort(-combined, kind="stable")[:k]
        if self.mode == "learned":  # show a 0–1 relevance: the softmax the weights were fitted for
            combined = np.exp(combined - combined.max())
            combined = combined / combined.sum()
        passages = [
            Passage(
                id=self.chunks[i].id,
                section=self.chunks[i].section,
                text=self.chunks[i].text,
                score=round(float(combined[i]), 4),
                kind=self.chunks[i].kind,
            )
            for i in order
        ]
        return Retrieval(
            query=query,
            passages=passages,
            dense_top=float(dense_scores.max()) if len(dense_scores) else 0.0,
            bm25_top=float(lexical_scores.max()) if len(lexical_scores) else 0.0,
            known_fraction=self.bm25.known_fraction(query.expanded),
            timings=timings,
            vector=vector,
        )
