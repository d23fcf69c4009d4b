"""Per-query cost of the query embedder by batch size, for each packaged embedder.

Why this exists: micro-batching concurrent questions (``bot.index.batching``) only pays if one
call with N questions costs less than N calls with one. This measures it on the real models
(``python -m bot.evaluation.bench_embed``), with the eval set's questions, after a warm-up.
"""

from __future__ import annotations

import statistics
import sys
import time

from bot.evaluation.dataset import load_eval_set
from bot.index.embedders import make_embedder
from bot.settings import Settings

__all__ = ["batch_costs", "main"]

SIZES = (1, 2, 4, 8, 16)


def batch_costs(settings: Settings, *, sizes: tuple[int, ...] = SIZES, rounds: int = 6) -> dict[int, float]:
    """Median milliseconds per query for each batch size (distinct questions in every batch)."""
    embedder = make_embedder(settings)
    questions = [item.q for item in load_eval_set(settings.corpus_dir / "eval" / "questions.yaml")]
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


def main(argv: list[str] | None = None) -> None:
    names = (argv if argv is not None else sys.argv[1:]) or ["e5", "sentence-transformers"]
    for name in names:
        settings = Settings(**{**Settings().model_dump(), "embedder": name})
        costs = batch_costs(settings)
        cells = "  ".join(f"lote {size}: {ms:.1f} ms" for size, ms in costs.items())
        print(f"{name} ({settings.embedding_threads} hilos), ms por pregunta — {cells}")


if __name__ == "__main__":
    main()
