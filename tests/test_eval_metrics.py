"""How `make eval` scores ranks: Recall@k, MRR@10 and the bootstrap interval it prints beside them."""

from __future__ import annotations

import pytest

from bot.evaluation.dataset import bootstrap_interval, retrieval_metrics


def test_metrics_of_known_ranks():
    metrics = retrieval_metrics([1, 2, 4, None, 11])
    assert metrics["R@1"] == pytest.approx(0.2) and metrics["R@3"] == pytest.approx(0.4)
    assert metrics["R@5"] == pytest.approx(0.6) and metrics["n"] == 5
    assert metrics["MRR"] == pytest.approx((1 + 1 / 2 + 1 / 4) / 5)  # rank 11 is past MRR@10


def test_the_interval_holds_the_figure_and_narrows_with_more_questions():
    ranks = [1] * 50 + [2] * 10 + [None] * 10
    low, high = bootstrap_interval(ranks, "MRR")
    assert low < retrieval_metrics(ranks)["MRR"] < high
    wide, narrow = bootstrap_interval(ranks, "MRR"), bootstrap_interval(ranks * 9, "MRR")
    assert narrow[1] - narrow[0] < (wide[1] - wide[0]) / 2
    assert bootstrap_interval([1] * 30, "R@5") == (1.0, 1.0)
