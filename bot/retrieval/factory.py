"""Build the retriever for a loaded index: one recipe shared by the advisor, calibration and eval."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

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


# Normalisers already built in this process, by what they are built from (the index's chunks and
# the lexicon file): building one takes 0.2–0.6 s and it is read-only once built, so every advisor
# over the same index and lexicon (a hot-swap back, several services in one process) shares it.
_NORMALIZERS: OrderedDict[str, QueryNormalizer] = OrderedDict()
_NORMALIZERS_KEPT = 4
_normalizers_lock = threading.Lock()


def make_normalizer(settings: Settings, index: LoadedIndex, lexicon: Lexicon | None = None) -> QueryNormalizer:
    """The query normaliser for this index's vocabulary, built once per index and lexicon file
    (callers that pass their own ``lexicon`` always get a new one)."""
    if lexicon is not None:
        return QueryNormalizer(index.chunks, lexicon, spanish=spanish_words())
    path = settings.corpus_dir / "lexicon.yaml"
    digest = hashlib.sha256(path.read_bytes())
    for chunk in index.chunks:
        digest.update(f"\x00{chunk.section}\x00{chunk.text}".encode())
    key = digest.hexdigest()
    with _normalizers_lock:
        if key in _NORMALIZERS:
            _NORMALIZERS.move_to_end(key)
            return _NORMALIZERS[key]
    built = QueryNormalizer(index.chunks, Lexicon.load(path), spanish=spanish_words())
    with _normalizers_lock:
        _NORMALIZERS[key] = built
        while len(_NORMALIZERS) > _NORMALIZERS_KEPT:
            _NORMALIZERS.popitem(last=False)
    return built


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
        normalizer=normalizer or make_normalizer(settings, index),
        sentence_vectors=index.sentence_vectors,
        sentence_owners=index.sentence_owners,
        heading_vectors=index.heading_vectors,
        diagnosis_stems=frozenset(t for term in lexicon.diagnosis_terms for t in stems(term)),
        **options,
    )
