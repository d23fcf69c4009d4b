"""Questions grouped by meaning, with the advisor's own embedder.

Why this exists: «q es un cluster», «¿qué es un clúster?» and «que significa cluster» are one
need. SQL already merged identical texts (with their counts); here each distinct text is embedded
(cached by text, so a page view embeds only what is new) and clustered greedily: the most asked
text opens a group and every later text within ``threshold`` cosine of the group's first
question joins it. Deterministic, linear in groups × texts, no extra model.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Group", "QuestionGrouper"]


@dataclass
class Group:
    question: str  # the most asked text of the group
    count: int
    section: str | None
    answer: str
    kind: str
    mark: str | None
    last: float
    keys: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)


class QuestionGrouper:
    def __init__(self, embedder, *, threshold: float = 0.96, cache_size: int = 20_000) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def vectors(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = np.asarray(self.embedder.document_vectors(missing), dtype=np.float32)
            fresh /= np.maximum(np.linalg.norm(fresh, axis=1, keepdims=True), 1e-9)
            with self._lock:
                for text, vector in zip(missing, fresh):
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def warm(
        self,
        texts: list[str],
        *,
        chunk: int = 8,
        share: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.perf_counter,
    ) -> int:
        """Embed ``texts`` ahead of a page view without crowding out the questions being answered:
        a few at a time, resting after each call so this takes at most ``share`` of the embedder.
        (Embedding hundreds at once held the model for many seconds after every start, and the
        questions that arrived meanwhile waited or were shed: issue 19.) Returns how many it embedded."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for start in range(0, len(missing), chunk):
            began = clock()
            self.vectors(missing[start : start + chunk])
            sleep((clock() - began) * (1 - share) / share)
        return len(missing)

    def group(self, rows: list[dict]) -> list[Group]:
        """``rows`` from ``Analytics._by_question`` (most asked first) → groups, most asked first."""
        if not rows:
            return []
        vectors = self.vectors([r["pregunta"] for r in rows])
        heads: list[int] = []  # row index of each group's first question
        groups: list[Group] = []
        for i, row in enumerate(rows):
            if heads:
                similarities = vectors[heads] @ vectors[i]
                best = int(np.argmax(similarities))
                if similarities[best] >= self.threshold:
                    target = groups[best]
                    target.count += int(row["veces"])
                    target.keys.append(row["key"])
                    target.variants.append(row["pregunta"])
                    target.last = max(target.last, float(row["ultima"]))
                    target.mark = target.mark if target.mark == row["marca"] else None
                    continue
            heads.append(i)
            groups.append(
                Group(
                    question=row["pregunta"],
                    count=int(row["veces"]),
                    section=row["seccion"],
                    answer=row["respuesta"],
                    kind=row["tipo"],
                    mark=row["marca"],
                    last=float(row["ultima"]),
                    keys=[row["key"]],
                    variants=[row["pregunta"]],
                )
            )
        groups.sort(key=lambda g: (-g.count, g.question))
        return groups
