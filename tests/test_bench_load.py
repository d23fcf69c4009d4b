"""The load generator's «distinct» questions are distinct: a repeated text would be a cache hit."""

from __future__ import annotations

from bot.evaluation.bench_load import _questions, question_pool


def test_every_distinct_question_is_a_different_text() -> None:
    texts = _questions()
    assert len(set(texts)) == len(texts) == question_pool()
    assert question_pool() > 10_000  # more than one server answers in a whole `make bench-http`
