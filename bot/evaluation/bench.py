"""``make bench``: index build time, ask latency p50/p99 and peak memory, per embedder.

Distinct questions (a cold retrieval cache, every question embedded) and one popular question
repeated (served by the cache) are measured and printed separately, never one as the other.

Runs in-process on the real components (a scratch index, a scratch database), after a warm-up,
over the eval set's questions. Numbers to quote, not assertions: tests assert behaviour.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from bot.compose import build_services
from bot.evaluation.dataset import load_eval_set
from bot.index import make_embedder
from bot.pipeline import build_scratch_index
from bot.settings import Settings

__all__ = ["bench", "main"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench(settings: Settings, *, passes: int = 3) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory() as workdir:
        scratch_db = settings.model_copy(update={"database_url": f"sqlite:///{workdir}/bench.sqlite3"})
        started = time.perf_counter()
        embedder = make_embedder(scratch_db)
        load_seconds = time.perf_counter() - started
        scratch = build_scratch_index(scratch_db, embedder, f"{workdir}/index")  # never published to a server
        local = scratch.settings
        build_seconds = scratch.manifest["build_seconds"]
        advisor = build_services(local, embedder=embedder, record=False).answers
        questions = [i.q for i in load_eval_set(local.corpus_dir / "eval" / "questions.yaml")]
        for question in questions[:20]:
            advisor.ask(question)  # warm-up
        latencies: list[float] = []
        for _ in range(passes):
            advisor.clear_cache()  # distinct questions: every one pays for its embedding
            for question in questions:
                started = time.perf_counter()
                advisor.ask(question)
                latencies.append(time.perf_counter() - started)
        advisor.clear_cache()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(advisor.ask, questions))
        threaded = len(questions) / (time.perf_counter() - started)
        popular: list[float] = []
        for _ in range(500):
            started = time.perf_counter()
            advisor.ask("que es una iniciativa cluster")
            popular.append(time.perf_counter() - started)
    return {
        "engine": embedder.model.engine or embedder.name,
        "model_load_s": load_seconds,
        "build_s": build_seconds,
        "embedded": scratch.manifest.get("embedded", 0),
        "chunks": scratch.manifest.get("chunks", 0),
        "ask_p50_ms": statistics.median(latencies) * 1000,
        "ask_p99_ms": _percentile(latencies, 0.99) * 1000,
        "answers_per_s_1_thread": len(latencies) / sum(latencies),
        "answers_per_s_4_threads": threaded,
        "popular_p50_ms": statistics.median(popular) * 1000,
        "popular_per_s": len(popular) / sum(popular),
        "questions": len(latencies),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(embedder: str | None = None) -> None:
    settings = Settings()
    if embedder:
        settings = Settings(**{**settings.model_dump(), "embedder": embedder})
    figures = bench(settings)
    print(f"Embedder: {settings.embedder_id} (motor: {figures['engine']})")
    print(f"  carga del modelo:           {figures['model_load_s']:.2f} s")
    print(
        f"  construcción del índice:    {figures['build_s']:.2f} s (con la caché de vectores del índice servido: "
        f"{figures['embedded']} de {figures['chunks']} fragmentos embebidos de nuevo)"
    )
    print(
        f"  ask p50 / p99:              {figures['ask_p50_ms']:.1f} ms / {figures['ask_p99_ms']:.1f} ms "
        f"({figures['questions']} preguntas distintas, tras calentamiento)"
    )
    print(f"  respuestas/s (1 hilo):      {figures['answers_per_s_1_thread']:.1f} (preguntas distintas)")
    print(f"  respuestas/s (4 hilos):     {figures['answers_per_s_4_threads']:.1f} (preguntas distintas)")
    print(
        f"  pregunta repetida (caché):  p50 {figures['popular_p50_ms']:.2f} ms, "
        f"{figures['popular_per_s']:.0f} respuestas/s"
    )
    print(f"  memoria pico (RSS):         {figures['peak_rss_mb']:.0f} MB")
