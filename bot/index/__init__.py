"""The index: embedders, the atomic Chroma build and the Spanish BM25 index.

It depends on nothing above it (no retrieval, no calibration): ``bot.pipeline`` composes a build
with its calibration and publishes it.
"""

from bot.index.build import build_index, current_build, index_status, publish_build
from bot.index.embedders import VectorEmbedder, make_embedder

__all__ = ["build_index", "current_build", "index_status", "publish_build", "VectorEmbedder", "make_embedder"]
