"""Build the retriever for a loaded index: one recipe shared by the advisor, calibration and eval."""

from __future__ import annotations

from bot.index.embedders import VectorEmbedder
from bot.index.load import LoadedIndex
from bot.retrieval.hybrid import HybridRetriever
from bot.retrieval.normalize import Lexicon, QueryNormalizer
from bot.settings import Settings

__all__ = ["make_retriever"]


def make_retriever(settings: Settings, index: LoadedIndex, embedder: VectorEmbedder, **options) -> HybridRetriever:
    lexicon = Lexicon.load(settings.corpus_dir / "lexicon.yaml")
    return HybridRetriever(
        chunks=index.chunks,
        dense=index.dense,
        bm25=index.bm25,
        embedder=embedder,
        normalizer=QueryNormalizer(index.chunks, lexicon),
        sentence_vectors=index.sentence_vectors,
        sentence_owners=index.sentence_owners,
        **options,
    )
