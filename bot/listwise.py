"""Listwise softmax fits: weights that put the probability mass on the right candidates.

Why this exists: the chunk ranker (``bot.retrieval.ranker``) and the answer's sentence selector
(``bot.answer.selector``) learn the same kind of model on the tune split — per question, a matrix
of candidate features and a 0/1 mark of the candidates that hold the answer; a linear score per
candidate, a softmax over the question's candidates, L2 on the weights — and choose the L2 penalty
the same way, by repeated k-fold cross-validation. One implementation serves both. The loss runs
over all questions at once (padded into one array), so a fit costs a few array products per step
instead of a Python loop over questions; calibration makes ~150 fits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["Example", "fit", "choose_penalty", "fit_report"]

Example = tuple[np.ndarray, np.ndarray]  # (candidates × features, 0/1 per candidate)


def _stack(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All questions as one (questions × candidates, features) matrix, their marks, and the mask
    of real rows (a question with fewer candidates is padded)."""
    rows = max(m.shape[0] for m, _ in examples)
    features = np.zeros((len(examples), rows, examples[0][0].shape[1]))
    relevant, real = np.zeros((len(examples), rows)), np.zeros((len(examples), rows), dtype=bool)
    for i, (matrix, marks) in enumerate(examples):
        features[i, : len(matrix)], relevant[i, : len(matrix)], real[i, : len(matrix)] = matrix, marks, True
    return features.reshape(-1, features.shape[2]), relevant, real


def _loss(weights: np.ndarray, features: np.ndarray, relevant: np.ndarray, real: np.ndarray, penalty: float):
    """Minus the log of the softmax mass on the marked candidates, summed over questions, plus L2;
    and its gradient."""
    logits = np.where(real, (features @ weights).reshape(real.shape), -np.inf)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    mass = (p * relevant).sum(axis=1) + 1e-12
    loss = penalty * float(weights @ weights) - float(np.log(mass).sum())
    coefficient = p * relevant / mass[:, None] - p  # d log(mass) / d logits
    return loss, 2 * penalty * weights - coefficient.ravel() @ features


def fit(examples: Sequence[Example], *, penalty: float, start: np.ndarray) -> np.ndarray:
    """The weights minimising the loss; questions with no marked candidate are left out. The loss
    is convex, so ``start`` changes how many steps the optimiser takes, not where it ends."""
    from scipy.optimize import minimize  # only calibration fits; serving processes never load scipy

    usable = [(m.astype(np.float64), r.astype(np.float64)) for m, r in examples if r.any()]
    if not usable:
        return np.asarray(start, dtype=np.float64)
    result = minimize(_loss, start, args=(*_stack(usable), penalty), jac=True, method="L-BFGS-B")
    return result.x


def choose_penalty(
    examples: Sequence[Example],
    penalties: Sequence[float],
    *,
    score: Callable[[np.ndarray, list[Example]], float],
    start: np.ndarray,
    folds: int = 5,
    repeats: int = 3,
) -> tuple[float, float]:
    """(penalty, its cross-validated ``score``): the penalty whose fits score best on the held-out
    folds, averaged over ``repeats`` shuffles (one shuffle's pick swung with the split); ties go to
    the stronger penalty. Penalties are tried strongest first, each fold's fit starting from its
    fit at the previous penalty."""
    splits = [np.array_split(np.random.default_rng(seed).permutation(len(examples)), folds) for seed in range(repeats)]
    best, best_score = max(penalties), -1.0
    previous: dict[tuple[int, int], np.ndarray] = {}
    for penalty in sorted(penalties, reverse=True):
        scores = []
        for r, parts in enumerate(splits):
            for k, held_out in enumerate(parts):
                train = [examples[i] for j, part in enumerate(parts) if j != k for i in part]
                weights = previous[r, k] = fit(train, penalty=penalty, start=previous.get((r, k), start))
                scores.append(score(weights, [examples[i] for i in held_out]))
        mean = float(np.mean(scores))
        if mean > best_score + 1e-9 or (abs(mean - best_score) <= 1e-9 and penalty > best):
            best, best_score = penalty, mean
    return best, best_score


def fit_report(
    examples: Sequence[Example],
    penalties: Sequence[float],
    *,
    score: Callable[[np.ndarray, list[Example]], float],
    start: np.ndarray,
    features: Sequence[str],
    metric: str,
    folds: int = 5,
    repeats: int = 3,
) -> dict:
    """The penalty chosen by cross-validation, the weights fitted with it on every example, and
    ``score`` on the examples (``tune_<metric>``) and held out (``tune_cv_<metric>``): what
    ``calibration.json`` keeps for a fitted model."""
    penalty, held_out = choose_penalty(examples, penalties, score=score, start=start, folds=folds, repeats=repeats)
    weights = fit(examples, penalty=penalty, start=start)
    return {
        "features": list(features),
        "weights": [round(float(w), 5) for w in weights],
        "penalty": penalty,
        f"tune_{metric}": round(score(weights, list(examples)), 4),
        f"tune_cv_{metric}": round(held_out, 4),
    }
