"""Micro-batched query embeddings: concurrent questions share embedder calls, a few at a time.

Why this exists: on a 2-core machine, many request threads calling the embedder at once only
fight over the cores (each call spins its own threads) and the embedder runs at half its
capacity. Here ``calls`` worker threads own the model: callers queue their text and wait; a worker
takes what is queued (up to ``max_batch``, waiting at most ``window`` seconds for company when
others are already waiting) and embeds it in one call. A lone question is embedded at once:
batching only happens when questions actually overlap. ``max_batch`` is 2 by default because that
is the only size that was cheaper per query for both packaged embedders when measured
(``python -m bot.evaluation.bench_embed``). Two calls in flight (``ASESOR_EMBEDDING_CALLS``, the
default) answered 10–20 % more distinct questions per second than one on 2 cores (the same tool,
and ``make bench-http``): one call alone leaves the cores idle between its steps.

The worker threads run at a lower CPU priority (nice 10 on Linux, inherited by the OpenMP threads
a call starts): when embedding fills the cores, a self-diagnosis step, a vote or the rest of a
question's work still gets a core at once; with nothing else to run the embedder loses nothing.
(Nice is machine-wide: on a host shared with other work, embedding also yields to that work.)

Plug point: wrap the process's embedder once, ``batched(make_embedder(settings))``; everything
else keeps calling ``query_vector``. Document embeddings (index build, suggestions, the console's
grouping) go straight to the model in the caller's thread, within the same ``calls`` slots.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from concurrent.futures import Future

import numpy as np

from .embedders import VectorEmbedder

__all__ = ["NICENESS", "BatchingEmbedder", "batched", "lower_thread_priority"]

_STOP = object()
NICENESS = 10  # the embedder's worker threads yield the CPU to the request threads


def lower_thread_priority(niceness: int = NICENESS) -> bool:
    """Lower the calling thread's CPU priority (Linux: nice is per thread, and threads it starts
    inherit it). Raising nice needs no privilege; elsewhere, or if refused, nothing changes."""
    if sys.platform != "linux":
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except OSError:
        return False
    return True


class BatchingEmbedder(VectorEmbedder):
    """A ``VectorEmbedder`` whose ``query_vector`` calls are gathered into batched model calls."""

    def __init__(self, inner: VectorEmbedder, *, max_batch: int = 2, window: float = 0.002, calls: int = 2) -> None:
        self.inner, self.max_batch, self.window, self.calls = inner, max_batch, window, calls
        self.name = inner.name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._model_slots = threading.BoundedSemaphore(calls)  # model calls in flight, batched or not
        self._start_lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self.batches = 0  # counters for tests and the benchmark: how much batching happened
        self.queries = 0
        self.submitted = 0
        self._counting = threading.Lock()  # the workers update the counters concurrently

    @property
    def model(self) -> VectorEmbedder:
        return self.inner.model

    # What the retriever calls --------------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        return self.query_vectors([text])[0]

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        futures = []
        self._ensure_worker()
        for text in texts:
            future: Future = Future()
            self._queue.put((text, future))
            futures.append(future)
        with self._counting:
            self.submitted += len(texts)
        return np.stack([future.result() for future in futures])

    def _documents(self, texts: list[str]) -> np.ndarray:
        with self._model_slots:
            return self.inner.document_vectors(texts)

    def _query(self, text: str) -> np.ndarray:  # not used: query_vector is overridden
        return self.query_vector(text)

    # The worker ----------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._workers and all(worker.is_alive() for worker in self._workers):
            return
        with self._start_lock:  # started lazily: a forked or spawned worker process starts its own
            self._workers = [worker for worker in self._workers if worker.is_alive()]
            while len(self._workers) < self.calls:
                worker = threading.Thread(target=self._run, name="embedder-batcher", daemon=True)
                worker.start()
                self._workers.append(worker)

    def _collect(self, first: tuple) -> list[tuple]:
        """The first waiting query plus whatever else is queued, up to ``max_batch``."""
        batch = [first]
        deadline = time.monotonic() + self.window
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                # Wait for company only if there was company already: a lone question goes at once.
                remaining = deadline - time.monotonic()
                if len(batch) == 1 or remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if item is _STOP:
                self._queue.put(_STOP)
                break
            batch.append(item)
        return batch

    def _run(self) -> None:
        lower_thread_priority()
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = self._collect(first)
            texts = [text for text, _ in batch]
            try:
                with self._model_slots:
                    vectors = self.inner.query_vectors(texts)
            except BaseException as error:  # noqa: BLE001 - every waiting caller must learn of it, or waits forever
                for _, future in batch:
                    future.set_exception(error)
                continue
            with self._counting:
                self.batches += 1
                self.queries += len(batch)
            for (_, future), vector in zip(batch, vectors):
                future.set_result(vector)

    def close(self) -> None:
        """Stop the worker threads (tests; a process that exits needs nothing)."""
        workers, self._workers = self._workers, []
        for _ in workers:
            self._queue.put(_STOP)
        for worker in workers:
            worker.join(timeout=5)


def batched(embedder: VectorEmbedder, *, max_batch: int = 2, window: float = 0.002, calls: int = 2) -> VectorEmbedder:
    """``embedder`` with micro-batched queries (an already batched one is returned as is)."""
    if isinstance(embedder, BatchingEmbedder):
        return embedder
    return BatchingEmbedder(embedder, max_batch=max_batch, window=window, calls=calls)
