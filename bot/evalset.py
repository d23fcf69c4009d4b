"""The retrieval evaluation set (``corpus/eval/questions.yaml``) and how a ranking is scored against it.

A passage is relevant to a question when it contains the question's evidence string: judging
by the booklet's words, not by chunk ids, keeps the set valid when the chunker changes.
It lives in the domain, not in ``bot/evaluation``, because calibration (run by every
``asesor index``) fits on its tune split: building an index must not depend on the eval harness.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.retrieval.followup import resolve_followup
from bot.schemas import Passage

__all__ = ["EvalItem", "load_eval_set", "first_relevant_rank", "relevant_mask", "retrieval_metrics"]


@dataclass(frozen=True)
class EvalItem:
    id: str
    q: str
    split: str
    kind: str
    section: str | None = None
    evidence: str | None = None
    previous: str | None = None

    @property
    def in_scope(self) -> bool:
        return self.kind != "oos"

    @property
    def query(self) -> str:
        """The question as the advisor retrieves it (follow-ups resolved)."""
        return resolve_followup(self.q, self.previous)


def load_eval_set(path: Path, *, split: str | None = None) -> list[EvalItem]:
    items = [EvalItem(**raw) for raw in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return [i for i in items if split in (None, "all", i.split)]


def _squash(text: str) -> str:
    return " ".join(text.replace("• ", " ").split())


def first_relevant_rank(item: EvalItem, passages: list[Passage]) -> int | None:
    """1-based rank of the first passage holding the evidence, or None."""
    evidence = _squash(item.evidence or "")
    for rank, passage in enumerate(passages, start=1):
        if evidence and evidence in _squash(passage.text):
            return rank
    return None


def relevant_mask(item: EvalItem, texts: list[str]) -> list[bool]:
    """For each text (a chunk of the index), whether it holds the item's evidence."""
    evidence = _squash(item.evidence or "")
    return [bool(evidence) and evidence in _squash(text) for text in texts]


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    """Recall@1/3/5 and MRR@10 over the ranks of in-scope questions."""
    n = max(len(ranks), 1)
    return {
        "R@1": sum(r is not None and r <= 1 for r in ranks) / n,
        "R@3": sum(r is not None and r <= 3 for r in ranks) / n,
        "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "MRR": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
        "n": len(ranks),
    }
