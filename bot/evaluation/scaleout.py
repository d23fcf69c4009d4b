"""What the scale-out parts cost per request: Chroma (embedded vs server) and the store (SQLite vs PostgreSQL).

Why this exists: the capacity table in the README is computed from these figures and the loopback
load test, so anyone can re-measure on their own machine:

    python -m bot.evaluation.scaleout --chroma-url http://127.0.0.1:8001 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/asesor

Each figure is the median and p99 of many calls, in milliseconds; both databases get the same
operations a request makes (a rate-limit upsert; a diagnosis load + compare-and-set save).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.settings import Settings

__all__ = ["measure_dense", "measure_store", "main"]


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms (n={len(ordered)})"


def measure_dense(settings: Settings, n: int = 300) -> str:
    """Latency of one dense search (every chunk scored) on the serving index."""
    from bot.index.load import load_index

    index = load_index(settings)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, index.sentence_vectors.shape[1])).astype(np.float32)
    samples = []
    for vector in vectors:
        started = time.perf_counter()
        index.dense.scores(vector / np.linalg.norm(vector))
        samples.append(time.perf_counter() - started)
    return _summary(samples)


def measure_store(url: str, n: int = 300) -> dict[str, str]:
    """Latency of the store operations one request makes."""
    from bot.store import Store

    store = Store(url)
    try:
        hits = []
        for i in range(n):
            started = time.perf_counter()
            store.count_hit(key=f"bench-{i % 50}", window_start=int(time.time()) // 60 * 60)
            hits.append(time.perf_counter() - started)
        diagnosis = f"bench-{secrets.token_hex(4)}"
        store.save_diagnosis(diagnosis_id=diagnosis, data={"answers": []}, finished=False)
        steps = []
        for i in range(n):
            started = time.perf_counter()
            loaded = store.load_diagnosis_versioned(diagnosis_id=diagnosis)
            assert loaded is not None  # saved just above
            data, version = loaded
            store.save_diagnosis(
                diagnosis_id=diagnosis, data={"answers": [i]}, finished=False, expected_version=version
            )
            steps.append(time.perf_counter() - started)
        return {"rate-limit upsert": _summary(hits), "diagnosis load + save": _summary(steps)}
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chroma-url", help="a Chroma server with the index published")
    parser.add_argument("--database-url", help="a migrated PostgreSQL database")
    args = parser.parse_args(argv)
    settings = Settings()
    print(f"Chroma embebido:      {measure_dense(settings.model_copy(update={'chroma_url': None}))}")
    if args.chroma_url:
        print(f"Chroma servidor:      {measure_dense(settings.model_copy(update={'chroma_url': args.chroma_url}))}")
    with tempfile.TemporaryDirectory() as folder:
        for name, value in measure_store(f"sqlite:///{Path(folder) / 'bench.sqlite3'}").items():
            print(f"SQLite {name}: {value}")
    if args.database_url:
        for name, value in measure_store(args.database_url).items():
            print(f"PostgreSQL {name}: {value}")


if __name__ == "__main__":  # pragma: no cover
    main()
