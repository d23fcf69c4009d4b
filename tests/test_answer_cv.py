"""The tune-split cross-validation of the whole answer (``python -m bot.evaluation.answer_cv``):
each question answered by a selector fitted without it, the test split never looked at."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.answer.candidates import SentenceBank
from bot.answer.compose import sections_of
from bot.answer.scope import ScopeJudge
from bot.evaluation.answer_cv import cross_validate
from bot.evaluation.answers import answer_metrics
from bot.evaluation.dataset import load_eval_set
from bot.retrieval import Lexicon
from bot.settings import Settings


def _rows(retriever, loaded_index, split: str, n: int):
    corpus = Settings().corpus_dir
    judge = ScopeJudge(Lexicon.load(corpus / "lexicon.yaml"), loaded_index.calibration)
    items = [i for i in load_eval_set(corpus / "eval" / "questions.yaml", split=split) if i.in_scope][:n]
    return [(i, r, judge.decide(i.q, r)) for i in items for r in [retriever.search(i.query)]]


def test_every_tune_question_is_answered_once_per_repeat_by_a_selector_fitted_without_it(retriever, loaded_index):
    rows = _rows(retriever, loaded_index, "tune", 40)
    bank = SentenceBank(loaded_index.chunks, loaded_index.sentence_vectors, loaded_index.sentence_owners)
    scores = cross_validate(rows, bank, sections_of(loaded_index.chunks), penalty=3.0, repeats=2)
    assert Counter(s.item.id for s in scores) == {item.id: 2 for item, _, _ in rows}
    metrics = answer_metrics(scores)
    assert metrics["empty"] == 0 and metrics["holds"] > 0.5  # about 0.8 on the whole tune split


def test_the_test_split_is_refused(retriever, loaded_index):
    rows = _rows(retriever, loaded_index, "test", 3)
    bank = SentenceBank(loaded_index.chunks, loaded_index.sentence_vectors, loaded_index.sentence_owners)
    with pytest.raises(ValueError, match="tune"):
        cross_validate(rows, bank, sections_of(loaded_index.chunks), penalty=3.0)
