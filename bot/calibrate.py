"""Fit the ranker's and the answer selector's weights, the mix weight and the out-of-scope threshold
on the tune split.

Run by ``bot.pipeline`` (``asesor index``, the tests, bench and eval) right after a build, before
it is published, and stored as ``calibration.json`` beside the index it was fitted for: e5 cosines
live in .77–.93 and MiniLM's elsewhere, so a threshold is a property of an index, never a constant
in code. The test split is never looked at here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answer.candidates import SentenceBank
from bot.answer.scope import ScopeJudge, scope_score
from bot.answer.selector import SentenceSelector, fit_selector
from bot.evalset import EvalItem, _squash, first_relevant_rank, load_eval_set, relevant_mask, retrieval_metrics
from bot.index.build import CALIBRATION_VERSION, current_build, write_atomic
from bot.index.embedders import VectorEmbedder
from bot.index.load import load_index
from bot.index.vector_cache import VectorCache, cache_file
from bot.retrieval import Lexicon, QueryNormalizer, Retrieval
from bot.retrieval.factory import make_normalizer, make_retriever
from bot.retrieval.ranker import FEATURES, features, fit_report
from bot.settings import Settings

__all__ = ["CALIBRATION_VERSION", "calibrate_index", "fit_threshold", "MemoEmbedder", "MAX_IN_SCOPE_REFUSED"]

# CALIBRATION_VERSION (bump when what is fitted here changes) lives in bot.index.build: the index's freshness uses it.
ALPHAS = (0.5, 0.6, 0.7, 0.8)
WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2)
MAX_IN_SCOPE_REFUSED = 0.01  # refusing a real question costs more than answering a near miss with cited text


class MemoEmbedder(VectorEmbedder):
    """Remembers query vectors, so sweeping a parameter embeds each question once; over a
    ``VectorCache`` (kept with ``save()``), a later calibration with the same model embeds none."""

    def __init__(self, inner: VectorEmbedder, cache: VectorCache | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self._cache = cache
        self._memo: dict[str, np.ndarray] = {}

    def _query(self, text: str) -> np.ndarray:
        vector = self._memo.get(text)
        if vector is None and self._cache is not None:
            vector = self._cache.get(text)
        if vector is None:
            vector = self.inner.query_vector(text)
            if self._cache is not None:
                self._cache.put(text, vector)
        self._memo[text] = vector
        return vector

    def save(self) -> None:
        if self._cache is not None:
            self._cache.save()

    def _documents(self, texts: list[str]) -> np.ndarray:
        return self.inner.document_vectors(texts)


@dataclass
class _Scored:
    item: EvalItem
    retrieval: Retrieval
    rule_ok: bool


def fit_threshold(scored: list[_Scored], weight: float) -> tuple[float, float, float, float]:
    """(threshold, oos recall, in-scope refused, margin) maximising OOS recall under the refusal cap.

    The margin is the gap between the tune scores either side of the threshold, in standard
    deviations of the in-scope scores: the tie-breaker between equally good fits."""
    inside = np.array([scope_score(s.retrieval, weight) for s in scored if s.item.in_scope and s.rule_ok])
    outside = [(scope_score(s.retrieval, weight), s.rule_ok) for s in scored if not s.item.in_scope]
    n_inside = sum(s.item.in_scope for s in scored)
    values = np.unique(np.concatenate([inside, [o for o, _ in outside]]))
    spread = float(inside.std()) or 1.0
    best = (0.0, 0.0, 1.0, 0.0)
    for position, threshold in enumerate(values):
        refused = (inside < threshold).sum() + (n_inside - len(inside))
        if refused / max(n_inside, 1) > MAX_IN_SCOPE_REFUSED:
            continue
        caught = sum((not ok) or value < threshold for value, ok in outside) / max(len(outside), 1)
        if caught > best[1] or (caught == best[1] and threshold < best[0]):
            # Halfway to the next lower score: the same decisions on the tune split, but a question
            # scoring a hair under the lowest accepted one is not refused by a boundary drawn on it.
            below = values[position - 1] if position else threshold
            best = (float(threshold + below) / 2, caught, refused / max(n_inside, 1), float(threshold - below) / spread)
    return best


def fit_ranker(
    settings: Settings,
    index,
    embedder: VectorEmbedder,
    items: list[EvalItem],
    *,
    normalizer: QueryNormalizer | None = None,
) -> dict:
    """Learned-ranker weights for this index, fitted on the in-scope tune questions."""
    retriever = make_retriever(
        settings, index, embedder, normalizer=normalizer, mode="learned", weights=np.zeros(len(FEATURES))
    )
    assert retriever.table is not None  # a learned-mode retriever has its chunk table
    texts = [c.text for c in index.chunks]
    examples = []
    for item in (i for i in items if i.in_scope):
        _, signals, _, _ = retriever.signals(item.query)
        examples.append((features(signals, retriever.table), np.array(relevant_mask(item, texts), dtype=np.float32)))
    return fit_report(examples)


def selector_examples(retriever, bank: SentenceBank, items: list[EvalItem]) -> list:
    """(candidate features, holds the evidence) for each in-scope tune question, over the
    candidates of the passages the fitted ranker returns, as the advisor will see them."""
    selector = SentenceSelector(bank)
    examples = []
    for item in (i for i in items if i.in_scope and i.evidence):
        retrieval = retriever.search(item.query)
        found, matrix = selector.matrix(retrieval.asked.expanded, retrieval.passages, retrieval.vector)
        evidence = _squash(item.evidence or "")  # never empty: filtered above
        examples.append((matrix, np.array([evidence in _squash(c.full) for c in found], dtype=np.float32)))
    return examples


def calibrate_index(settings: Settings, embedder: VectorEmbedder, build: Path | None = None) -> dict:
    """Fit the ranker, choose alpha (best tune MRR) and the scope weight/threshold; write calibration.json."""
    index = load_index(settings, build)  # a build not yet published, or the serving one
    embedder = MemoEmbedder(embedder, VectorCache(cache_file(settings, "queries")))
    items = load_eval_set(settings.corpus_dir / "eval" / "questions.yaml", split="tune")
    judge = ScopeJudge(Lexicon.load(settings.corpus_dir / "lexicon.yaml"))
    normalizer = make_normalizer(settings, index)
    best_alpha, best_mrr = ALPHAS[0], -1.0
    results: list[_Scored] = []
    for alpha in ALPHAS:
        retriever = make_retriever(settings, index, embedder, normalizer=normalizer, alpha=alpha)
        scored = [_Scored(i, retriever.search(i.query), judge.rule(i.q) == "ok") for i in items]
        mrr = retrieval_metrics([first_relevant_rank(s.item, s.retrieval.passages) for s in scored if s.item.in_scope])[
            "MRR"
        ]
        if mrr > best_mrr + 1e-9:
            best_alpha, best_mrr, results = alpha, mrr, scored
    ranker = fit_ranker(settings, index, embedder, items, normalizer=normalizer)
    fitted = make_retriever(
        settings,
        index,
        embedder,
        normalizer=normalizer,
        mode="learned",
        weights=np.array(ranker["weights"], dtype=np.float32),
    )
    bank = SentenceBank(index.chunks, index.sentence_vectors, index.sentence_owners)
    selector = fit_selector(selector_examples(fitted, bank, items))
    fits = [(w, *fit_threshold(results, w)) for w in WEIGHTS]
    weight, threshold, oos_recall, refused, _ = max(fits, key=lambda f: (f[2], -f[3], f[4]))
    calibration = {
        "alpha": best_alpha,
        "ranker": ranker,
        "selector": selector,
        "weight": weight,
        "threshold": round(threshold, 5),
        "tune": {"MRR": round(best_mrr, 4), "oos_recall": round(oos_recall, 4), "in_scope_refused": round(refused, 4)},
        "embedder": index.manifest["embedder"],
    }
    embedder.save()
    build = build or current_build(settings)
    assert build is not None
    write_atomic(build / "calibration.json", json.dumps(calibration, indent=2).encode())
    return calibration
