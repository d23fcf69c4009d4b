"""The out-of-scope threshold fit: the refusal cap, the recall it buys, and where the boundary sits."""

from __future__ import annotations

import numpy as np
import pytest

from bot.calibrate import MAX_IN_SCOPE_REFUSED, _Scored, fit_threshold
from bot.evaluation.dataset import EvalItem
from bot.retrieval import Retrieval


def _scored(score: float, *, in_scope: bool, rule_ok: bool = True) -> _Scored:
    item = EvalItem(id=f"q{score}", q="pregunta", split="tune", kind="plain" if in_scope else "oos")
    retrieval = Retrieval(query=None, passages=[], dense_top=score, bm25_top=0.0, known_fraction=0.0)
    return _Scored(item, retrieval, rule_ok)


def test_threshold_refuses_every_separable_off_topic_question_halfway_between_the_scores():
    scored = [_scored(s, in_scope=True) for s in (0.86, 0.88, 0.90, 0.93)]
    scored += [_scored(s, in_scope=False) for s in (0.80, 0.82, 0.84)]
    threshold, recall, refused, margin = fit_threshold(scored, weight=0.0)
    assert recall == 1.0 and refused == 0.0
    assert threshold == pytest.approx(0.85)  # between the best off-topic (0.84) and the worst real question (0.86)
    assert margin == pytest.approx(0.02 / np.std([0.86, 0.88, 0.90, 0.93]))


def test_in_scope_refusals_never_exceed_the_cap():
    inside = [_scored(0.80 + i / 1000, in_scope=True) for i in range(200)]
    outside = [_scored(0.95, in_scope=False), _scored(0.70, in_scope=False)]
    threshold, recall, refused, _ = fit_threshold(inside + outside, weight=0.0)
    assert refused <= MAX_IN_SCOPE_REFUSED and recall == 0.5 and threshold <= 0.80 + 2 / 1000


def test_questions_a_rule_refuses_count_as_caught_whatever_their_score():
    scored = [_scored(0.9, in_scope=True), _scored(0.95, in_scope=False, rule_ok=False)]
    assert fit_threshold(scored, weight=0.0)[1] == 1.0
