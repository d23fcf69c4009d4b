"""The suggested questions and the conversation starters, embedded once when the advisor is built.

Why this exists: "nearest questions" after an answer or a refusal compare the query's embedding
with every suggested question; embedding them once, at build time, keeps that to one product.
"""

from __future__ import annotations

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


def load_suggestions(path: Path, embedder: VectorEmbedder) -> Suggestions:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Suggestions(
        questions=data["questions"], starters=data["starters"], vectors=embedder.document_vectors(data["questions"])
    )
