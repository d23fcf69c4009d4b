"""A learned linear scorer of answer candidates, fitted on the tune split like the chunk ranker.

Why: the hand-weighted rule it replaces («topic-word overlap + 0.3 for the top passage + 0.05
for a first sentence») quoted the passage's wrong sentence for about one question in four. Here
each candidate's ``bot.answer.features`` row is scored by weights that maximise the softmax
probability of the candidates holding the question's evidence (L2 penalty chosen by repeated
5-fold cross-validation of the top candidate's accuracy). ``asesor index`` fits them with the
ranker and stores them in ``calibration.json``; with none fitted, the cosine alone decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot import listwise
from bot.answer.candidates import Candidate, SentenceBank, candidates
from bot.answer.features import FEATURES, candidate_features
from bot.schemas import Passage

__all__ = ["DEPTH", "PENALTIES", "Scored", "SentenceSelector", "fit_selector", "fit_weights"]

DEPTH = 3  # candidates come from this many of the top passages (5 was no better on tune CV)
PENALTIES = (0.01, 0.1, 0.3, 1.0, 3.0)
Example = tuple[np.ndarray, np.ndarray]  # (candidates × features, 0/1 holds the evidence)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    probability: float  # softmax over the question's candidates


class SentenceSelector:
    def __init__(self, bank: SentenceBank, weights: list[float] | None = None) -> None:
        self.bank = bank
        if weights is not None and len(weights) == len(FEATURES):
            self.weights = np.array(weights, dtype=np.float32)
        else:  # no fitted weights (an index calibrated before the selector): meaning, then words
            self.weights = np.zeros(len(FEATURES), dtype=np.float32)
            self.weights[FEATURES.index("cosine")], self.weights[FEATURES.index("overlap")] = 2.0, 2.0

    def matrix(self, question: str, passages: list[Passage], vector) -> tuple[list[Candidate], np.ndarray]:
        found = candidates(passages, depth=DEPTH)
        return found, candidate_features(question, found, passages, self.bank, vector)

    def rank(self, question: str, passages: list[Passage], vector) -> list[Scored]:
        """The candidates, best first, with their probabilities."""
        found, matrix = self.matrix(question, passages, vector)
        if not found:
            return []
        logits = matrix @ self.weights
        p = np.exp(logits - logits.max())
        p /= p.sum()
        order = np.argsort(-p, kind="stable")
        return [Scored(found[i], float(p[i])) for i in order]


def fit_weights(examples: list[Example], penalty: float) -> np.ndarray:
    return listwise.fit(examples, penalty=penalty, start=np.zeros(len(FEATURES)))


def top1(weights: np.ndarray, examples: list[Example]) -> float:
    """Share of questions whose best-scored candidate holds the evidence (none held: a miss)."""
    hits = sum(bool(len(r)) and bool(r[int(np.argmax(m @ weights))]) for m, r in examples)
    return hits / max(len(examples), 1)


def fit_selector(examples: list[Example], *, folds: int = 5, repeats: int = 3) -> dict:
    """Weights, penalty and the cross-validated top-1 accuracy (an honest estimate on unseen questions)."""
    start = np.zeros(len(FEATURES))
    return listwise.fit_report(
        examples, PENALTIES, score=top1, start=start, features=FEATURES, metric="top1", folds=folds, repeats=repeats
    )
