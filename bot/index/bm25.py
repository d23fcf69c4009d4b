"""Okapi BM25 over Spanish stems, with every document scored per query.

Score mixing needs the lexical score of every chunk (not just a top-k), and the booklet is
small, so a dense term-frequency table in numpy is both simplest and fastest.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from bot.text import stems

__all__ = ["BM25"]


class BM25:
    """BM25 (k1=1.2, b=0.75) with a non-negative idf, over ``bot.text.stems``."""

    def __init__(self, documents: list[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        tokenised = [stems(doc) for doc in documents]
        self.vocabulary = {term: i for i, term in enumerate(sorted({t for doc in tokenised for t in doc}))}
        n_docs = len(tokenised)
        self._tf = np.zeros((len(self.vocabulary), n_docs), dtype=np.float32)
        for j, doc in enumerate(tokenised):
            for term, count in Counter(doc).items():
                self._tf[self.vocabulary[term], j] = count
        lengths = np.array([len(doc) for doc in tokenised], dtype=np.float32)
        document_frequency = (self._tf > 0).sum(axis=1)
        self._idf = np.array(
            [math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for df in document_frequency], dtype=np.float32
        )
        norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0))
        self._weights = (self._tf * (k1 + 1)) / (self._tf + norm)  # terms × docs, idf applied per query
        self.n_docs = n_docs

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros when no term matches)."""
        rows = [self.vocabulary[t] for t in stems(query) if t in self.vocabulary]
        if not rows:
            return np.zeros(self.n_docs, dtype=np.float32)
        rows_array = np.array(rows)
        return (self._weights[rows_array] * self._idf[rows_array, None]).sum(axis=0)

    def known_fraction(self, query: str) -> float:
        """Share of the query's content stems that occur in the corpus."""
        query_stems = stems(query)
        if not query_stems:
            return 0.0
        return sum(t in self.vocabulary for t in query_stems) / len(query_stems)
