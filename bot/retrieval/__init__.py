"""Retrieval: query normalisation, hybrid dense + BM25 ranking, LangChain retriever."""

from bot.retrieval.hybrid import DEFAULT_ALPHA, HybridRetriever, Retrieval
from bot.retrieval.normalize import Lexicon, NormalizedQuery, QueryNormalizer, clean_question

__all__ = [
    "DEFAULT_ALPHA",
    "HybridRetriever",
    "Retrieval",
    "Lexicon",
    "NormalizedQuery",
    "QueryNormalizer",
    "clean_question",
]
