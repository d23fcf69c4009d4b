"""``python -m bot.evaluation.answer_cv``: the whole answer, cross-validated on the tune split.

Why this exists: the selector's own figure (``tune_cv_top1`` in ``calibration.json``) scores its
first candidate only, but the user reads the composed answer (the booklet's structures first, then
the lead and what supports it), so choices about composition (which routes answer before the
selector, how many sentences, how many words) are made on this figure, never on the test split.
Each fold's selector is fitted on the other folds' questions (with the penalty calibration chose)
and the held-out questions are answered by the real ``compose_answer`` and scored with ``make
eval``'s own answer table.
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np

from bot.answer.candidates import SentenceBank
from bot.answer.compose import compose_answer, sections_of
from bot.answer.scope import ScopeDecision, ScopeJudge
from bot.answer.selector import SentenceSelector, fit_weights
from bot.calibrate import MemoEmbedder
from bot.evalset import _squash
from bot.evaluation.answers import AnswerScore, answer_metrics, answer_report, score_answer
from bot.evaluation.dataset import EvalItem, first_relevant_rank, load_eval_set
from bot.index import make_embedder
from bot.index.load import load_index
from bot.pipeline import build_scratch_index
from bot.retrieval import Lexicon, Retrieval
from bot.retrieval.factory import make_retriever
from bot.settings import Settings

__all__ = ["Row", "cross_validate", "main"]

Row = tuple[EvalItem, Retrieval, ScopeDecision]


def _example(bank: SentenceBank, row: Row) -> tuple[np.ndarray, np.ndarray]:
    item, retrieval, _ = row
    found, matrix = SentenceSelector(bank).matrix(retrieval.asked.expanded, retrieval.passages, retrieval.vector)
    evidence = _squash(item.evidence or "")
    return matrix, np.array([bool(evidence) and evidence in _squash(c.full) for c in found], dtype=np.float32)


def cross_validate(
    rows: list[Row], bank: SentenceBank, sections, *, penalty: float, folds: int = 5, repeats: int = 1
) -> list[AnswerScore]:
    """Every in-scope tune question answered once per repeat by a selector fitted without it."""
    if any(item.split != "tune" for item, _, _ in rows):
        raise ValueError("the answer is cross-validated on the tune split only")
    examples = [_example(bank, row) for row in rows]
    scores: list[AnswerScore] = []
    for seed in range(repeats):
        parts = np.array_split(np.random.default_rng(seed).permutation(len(rows)), folds)
        for k, held_out in enumerate(parts):
            train = [examples[i] for j, part in enumerate(parts) if j != k for i in part]
            selector = SentenceSelector(bank, [float(w) for w in fit_weights(train, penalty)])
            for i in held_out:
                item, retrieval, decision = rows[i]
                composed = compose_answer(item.q, retrieval, decision, sections, selector=selector)
                first = first_relevant_rank(item, retrieval.passages) == 1
                scores.append(
                    score_answer(item, composed.text, composed.citations, composed.kind, retrieval_first=first)
                )
    return scores


def main(folds: int = 5, repeats: int = 3) -> None:
    settings = Settings()
    embedder = MemoEmbedder(make_embedder(settings))
    with tempfile.TemporaryDirectory() as workdir:
        scratch = build_scratch_index(settings, embedder, workdir)
        index, calibration = load_index(scratch.settings), scratch.calibration
        retriever = make_retriever(
            scratch.settings, index, embedder, mode=settings.retrieval_mode, alpha=calibration["alpha"]
        )
        judge = ScopeJudge(Lexicon.load(settings.corpus_dir / "lexicon.yaml"), calibration)
        items = [i for i in load_eval_set(settings.corpus_dir / "eval" / "questions.yaml", split="tune") if i.in_scope]
        rows = []
        for item in items:
            retrieval = retriever.search(item.query)
            rows.append((item, retrieval, judge.decide(item.q, retrieval)))
        bank = SentenceBank(index.chunks, index.sentence_vectors, index.sentence_owners)
        penalty = (calibration.get("selector") or {}).get("penalty", 1.0)
        scores = cross_validate(rows, bank, sections_of(index.chunks), penalty=penalty, folds=folds, repeats=repeats)
    total = answer_metrics(scores)
    print(
        f"Validación cruzada de la respuesta en la partición de ajuste ({folds} partes × {repeats}, "
        f"{len(items)} preguntas dentro del alcance; L2 {penalty}): evidencia {total['holds']:.3f}, "
        f"Recall@1 {total['R@1']:.3f}, mediana {total['median']:.0f} palabras, p90 {total['p90']}."
    )
    print("\n".join(line for line in answer_report(scores) if not line.startswith("  sin la evidencia")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    main(folds=arguments.folds, repeats=arguments.repeats)
