"""Per-query cost of the query embedder by batch size, for each packaged embedder.

Why this exists: micro-batching concurrent questions (``bot.index.batching``) only pays if one
call with N questions costs less than N calls with one. This measures it on the real models
(``python -m bot.evaluation.bench_embed``), with the eval set's questions, after a warm-up. It
also measures how many distinct questions per second the embedder alone answers with 1 and 2
calls in flight (``ASESOR_EMBEDDING_CALLS``): the ceiling ``make bench-http``'s distinct load
is compared with, on the same machine and minute.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from bot.evaluation.dataset import load_eval_set
from bot.index.batching import BatchingEmbedder
from bot.index.embedders import VectorEmbedder, make_embedder
from bot.settings import Settings

__all__ = ["batch_costs", "main", "throughput"]

SIZES = (1, 2, 4, 8, 16)


def _questions(settings: Settings) -> list[str]:
    return [item.q for item in load_eval_set(settings.corpus_dir / "eval" / "questions.yaml")]


def batch_costs(
    settings: Settings, embedder: VectorEmbedder, *, sizes: tuple[int, ...] = SIZES, rounds: int = 6
) -> dict[int, float]:
    """Median milliseconds per query for each batch size (distinct questions in every batch)."""
    questions = _questions(settings)
    embedder.query_vectors(questions[:16])  # warm-up
    costs: dict[int, float] = {}
    cursor = 0
    for size in sizes:
        samples = []
        for _ in range(rounds * max(1, 16 // size)):
            batch = [questions[(cursor + i) % len(questions)] for i in range(size)]
            cursor += size
            started = time.perf_counter()
            embedder.query_vectors(batch)
            samples.append((time.perf_counter() - started) * 1000 / size)
        costs[size] = statistics.median(samples)
    return costs


def throughput(settings: Settings, embedder: VectorEmbedder, *, calls: int, seconds: float = 6.0) -> float:
    """Distinct questions per second with ``calls`` threads embedding one question each, at once."""
    questions = _questions(settings)
    embedder.query_vectors(questions[:4])  # warm-up
    done = [0] * calls
    deadline = time.perf_counter() + seconds

    def run(slot: int) -> None:
        position = slot
        while time.perf_counter() < deadline:
            embedder.query_vector(questions[position % len(questions)])
            position += calls
            done[slot] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Costo por pregunta del embedder según el tamaño del lote.")
    parser.add_argument(
        "embedders", nargs="*", choices=["e5", "sentence-transformers"], default=["e5", "sentence-transformers"]
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="duración de cada medida de preguntas/s")
    parser.add_argument(
        "--engine", choices=["host", "packaged"], default=None, help="motor de e5 (por defecto, el de la configuración)"
    )
    args = parser.parse_args(argv)
    for name in args.embedders:
        overrides = {"embedder": name, **({"e5_engine": args.engine} if args.engine else {})}
        settings = Settings(**{**Settings().model_dump(), **overrides})
        embedder = make_embedder(settings)  # one model for every measurement (MiniLM takes seconds to load)
        if name == "e5":
            name = f"e5, motor {embedder.engine}"
        costs = batch_costs(settings, embedder)
        cells = "  ".join(f"lote {size}: {ms:.1f} ms" for size, ms in costs.items())
        print(f"{name} ({settings.embedding_threads} hilos), ms por pregunta — {cells}")
        rates = "  ".join(
            f"{calls} a la vez: {throughput(settings, embedder, calls=calls, seconds=args.seconds):.1f}"
            for calls in (1, 2)
        )
        print(f"{name}, preguntas distintas por segundo (solo el embedder) — {rates}")
        served = BatchingEmbedder(embedder, calls=settings.embedding_calls)  # what the server puts in front
        rate = throughput(settings, served, calls=8, seconds=args.seconds)
        print(f"{name}, como en el servidor (8 preguntas a la vez, {settings.embedding_calls} llamadas): {rate:.1f} /s")
        served.close()


if __name__ == "__main__":
    main()
