"""The index: embedders, the atomic Chroma build and the Spanish BM25 index."""

from bot.index.build import build_index, current_build, index_status
from bot.index.embedders import VectorEmbedder, make_embedder

__all__ = ["build_index", "current_build", "index_status", "VectorEmbedder", "make_embedder"]
