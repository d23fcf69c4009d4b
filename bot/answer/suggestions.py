"""The suggested questions and the conversation starters, embedded once when the advisor is built.

Why this exists: "nearest questions" after an answer or a refusal compare the query's embedding
with every suggested question; embedding them once, at build time, keeps that to one product.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.index.embedders import VectorEmbedder

__all__ = ["Suggestions", "load_suggestions"]


@dataclass(frozen=True)
class Suggestions:
    """The suggested questions (embedded once, for "nearest questions") and the conversation starters."""

    questions: list[str]
    starters: list[str]
    vectors: np.ndarray


# The suggested questions' vectors per embedding model (``VectorEmbedder.model``), by their text:
# an advisor rebuilt over the same model (an index hot-swap, other services in this process) does
# not embed them again. Weak keys: an embedder that is gone takes its vectors with it.
_VECTORS: weakref.WeakKeyDictionary[VectorEmbedder, dict[tuple[str, ...], np.ndarray]] = weakref.WeakKeyDictionary()
_vectors_lock = threading.Lock()


def load_suggestions(path: Path, embedder: VectorEmbedder) -> Suggestions:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = tuple(data["questions"])
    with _vectors_lock:
        vectors = _VECTORS.setdefault(embedder.model, {}).get(questions)
    if vectors is None:
        vectors = embedder.document_vectors(list(questions))
        vectors.setflags(write=False)  # shared by every advisor over this embedder
        with _vectors_lock:
            _VECTORS.setdefault(embedder.model, {})[questions] = vectors
    return Suggestions(questions=list(questions), starters=data["starters"], vectors=vectors)
