"""Build the retriever for a loaded index: one recipe shared by the advisor, calibration and eval."""

from __future__ import annotations

import numpy as np

from bot.index.embedders import VectorEmbedder
from bot.index.load import LoadedIndex
from bot.retrieval.hybrid import HybridRetriever
from bot.retrieval.normalize import Lexicon, QueryNormalizer
from bot.retrieval.ranker import FEATURES
from bot.retrieval.spanish import spanish_words
from bot.settings import Settings
from bot.text import stems

__all__ = ["make_normalizer", "make_retriever"]


def make_normalizer(settings: Settings, index: LoadedIndex, lexicon: Lexicon | None = None) -> QueryNormalizer:
    """The query normaliser for this index's vocabulary (0.2–0.6 s to build: callers that make many
    retrievers over one index, like calibration and ``make eval``, build it once and pass it in)."""
    lexicon = lexicon or Lexicon.load(settings.corpus_dir / "lexicon.yaml")
    return QueryNormalizer(index.chunks, lexicon, spanish=spanish_words())


def make_retriever(
    settings: Settings,
    index: LoadedIndex,
    embedder: VectorEmbedder,
    *,
    normalizer: QueryNormalizer | None = None,
    **options,
) -> HybridRetriever:
    """``options`` override the retriever's defaults; the learned weights come from the index's
    calibration unless given (``weights=``)."""
    lexicon = Lexicon.load(settings.corpus_dir / "lexicon.yaml")
    ranker = index.calibration.get("ranker") or {}
    if "weights" not in options and ranker.get("weights") and tuple(ranker.get("features", ())) == FEATURES:
        options["weights"] = np.array(ranker["weights"], dtype=np.float32)
    return HybridRetriever(
        chunks=index.chunks,
        dense=index.dense,
        bm25=index.bm25,
        embedder=embedder,
        normalizer=normalizer or make_normalizer(settings, index, lexicon),
        sentence_vectors=index.sentence_vectors,
        sentence_owners=index.sentence_owners,
        heading_vectors=index.heading_vectors,
        diagnosis_stems=frozenset(t for term in lexicon.diagnosis_terms for t in stems(term)),
        **options,
    )
