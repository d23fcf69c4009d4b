"""Vectors kept on disk by content hash, so a rebuild or a re-calibration embeds only what is new.

Why this exists: embedding is most of what building and calibrating an index costs on a 2-core
machine (the booklet's chunks, headings and sentences; the tune questions). Both are functions of
the embedding model and the text alone, so they are cached per model under ``index/cache/``:
``vectors-<model>.npz`` for passages, ``queries-<model>.npz`` for questions (e5 embeds the two
differently). A damaged cache file is treated as empty; it is rewritten atomically.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.settings import Settings

__all__ = ["VectorCache", "content_key", "cache_file"]


def content_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_file(settings: Settings, kind: str) -> Path:
    """``index/cache/<kind>-<model>.npz`` (kind: "vectors" for passages, "queries" for questions)."""
    slug = settings.embedder_id.replace("/", "_").replace(":", "_")
    return settings.index_dir / "cache" / f"{kind}-{slug}.npz"


class VectorCache:
    """The vectors of one file, by ``content_key`` of their text; ``save()`` writes what was added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path.exists():
            try:
                with np.load(path) as data:
                    self._vectors = dict(zip(data["ids"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError):
                self._vectors = {}

    def __contains__(self, text: str) -> bool:
        return content_key(text) in self._vectors

    def get(self, text: str) -> np.ndarray | None:
        return self._vectors.get(content_key(text))

    def put(self, text: str, vector: np.ndarray) -> None:
        self._vectors[content_key(text)] = vector
        self._dirty = True

    def vectors(self, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, set[str]]:
        """Vectors of ``texts``, embedding (in one call) only those not cached; and the keys embedded."""
        missing = sorted({content_key(t): t for t in texts if t not in self}.items())
        if missing:
            for (_, text), vector in zip(missing, embed([t for _, t in missing])):
                self.put(text, vector)
        return np.stack([self._vectors[content_key(t)] for t in texts]), {key for key, _ in missing}

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ids = np.array(list(self._vectors))
        buffer = self.path.with_suffix(".tmp.npz")
        np.savez(buffer, ids=ids, vectors=np.stack([self._vectors[i] for i in ids.tolist()]))
        os.replace(buffer, self.path)
        self._dirty = False
