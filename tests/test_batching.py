"""The micro-batching embedder: each caller gets its own vector, equal to an unbatched call."""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pytest

from bot.index.batching import NICENESS, BatchingEmbedder, batched, lower_thread_priority

QUESTIONS = [
    "que es una iniciativa cluster",
    "cuales son las fases para diseñar una iniciativa",
    "quien financia la iniciativa",
    "que es la gobernanza",
    "que es el SSME",
    "como se mide el impacto",
    "que entidades apoyan a los clusters",
    "cuales son las 13 buenas practicas",
]


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_concurrent_callers_are_batched_and_get_their_own_vectors(shared_embedder) -> None:
    embedder = BatchingEmbedder(shared_embedder, max_batch=16, calls=1)
    expected = {q: shared_embedder.query_vector(q) for q in QUESTIONS}
    results: dict[str, np.ndarray] = {}

    def ask(question: str) -> None:
        results[question] = embedder.query_vector(question)

    try:
        with embedder._model_slots:  # the model is busy: everyone who arrives now must wait together
            first = threading.Thread(target=ask, args=(QUESTIONS[0],))
            first.start()
            _wait_until(lambda: embedder.submitted == 1 and embedder._queue.qsize() == 0)  # the worker holds it
            others = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS[1:]]
            for thread in others:
                thread.start()
            _wait_until(lambda: embedder._queue.qsize() == len(QUESTIONS) - 1)
        for thread in [first, *others]:
            thread.join(timeout=30)
        assert embedder.queries == len(QUESTIONS)
        assert embedder.batches == 2  # the first alone, then the seven that waited behind it, in one call
        for question in QUESTIONS:
            np.testing.assert_allclose(results[question], expected[question], atol=1e-4)
        # Distinct questions got distinct vectors: nobody received a neighbour's.
        assert len({results[q].tobytes() for q in QUESTIONS}) == len(QUESTIONS)
    finally:
        embedder.close()


class Meeting:
    """The real embedder behind a barrier: a call returns only once another one is in flight too."""

    def __init__(self, inner, timeout: float) -> None:
        self.inner, self.name, self.model = inner, inner.name, inner
        self.barrier = threading.Barrier(2, timeout=timeout)

    def query_vectors(self, texts):
        self.barrier.wait()
        return self.inner.query_vectors(texts)


@pytest.mark.parametrize("calls", [2, 1])
def test_with_two_calls_allowed_two_questions_are_embedded_at_the_same_time(shared_embedder, calls: int) -> None:
    embedder = BatchingEmbedder(Meeting(shared_embedder, timeout=2 if calls == 1 else 20), max_batch=1, calls=calls)
    outcomes: list[object] = []

    def ask(question: str) -> None:
        try:
            outcomes.append(embedder.query_vector(question))
        except threading.BrokenBarrierError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS[:2]]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        if calls == 2:  # both calls met inside the model: they ran at once
            assert all(isinstance(o, np.ndarray) for o in outcomes) and len(outcomes) == 2
        else:  # one call at a time: the first waited alone at the barrier until it gave up
            assert any(isinstance(o, threading.BrokenBarrierError) for o in outcomes)
    finally:
        embedder.close()


def test_a_lone_question_is_not_delayed_and_equals_the_unbatched_vector(shared_embedder) -> None:
    embedder = batched(shared_embedder)
    try:
        assert batched(embedder) is embedder
        vector = embedder.query_vector("que es una iniciativa cluster")
        np.testing.assert_allclose(vector, shared_embedder.query_vector("que es una iniciativa cluster"), atol=1e-4)
        assert embedder.batches == 1
        docs = embedder.document_vectors(["una frase de la cartilla"])
        np.testing.assert_allclose(docs, shared_embedder.document_vectors(["una frase de la cartilla"]), atol=1e-5)
    finally:
        embedder.close()


def test_a_failing_model_call_reaches_every_waiting_caller(shared_embedder) -> None:
    class Broken(type(shared_embedder)):
        def __init__(self) -> None:  # no model: every call fails
            pass

        def _queries(self, texts):
            raise RuntimeError("modelo roto")

    embedder = BatchingEmbedder(Broken())
    try:
        with pytest.raises(RuntimeError, match="modelo roto"):
            embedder.query_vector("hola")
        with pytest.raises(RuntimeError, match="modelo roto"):  # the worker survived the failure
            embedder.query_vector("otra vez")
    finally:
        embedder.close()


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice is Linux's")
def test_the_embedder_threads_yield_the_cpu_to_the_request_threads(shared_embedder) -> None:
    """A self-diagnosis step must not wait behind question embedding for a core."""
    embedder = BatchingEmbedder(shared_embedder, calls=2)
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    try:
        embedder.query_vector("que es una iniciativa cluster")
        assert len(embedder._workers) == 2
        for worker in embedder._workers:
            assert worker.native_id is not None
            assert os.getpriority(os.PRIO_PROCESS, worker.native_id) == max(own, NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the caller is untouched
        seen: list[int] = []

        def child() -> None:
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

        def parent() -> None:  # a thread it starts (an OpenMP team) inherits the lower priority
            lower_thread_priority()
            started = threading.Thread(target=child)
            started.start()
            started.join()

        thread = threading.Thread(target=parent)
        thread.start()
        thread.join()
        assert seen == [max(own, NICENESS)]
    finally:
        embedder.close()
