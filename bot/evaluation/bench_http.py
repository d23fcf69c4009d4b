"""``make bench-http``: the HTTP API under concurrent users, against a real ``asesor serve``.

Why this exists: one question alone is fast; what users feel under a portal announcement or a
Telegram broadcast is throughput and tail latency with many clients at once. This starts the real
server (1 and 2 workers, rate limit lifted, loopback only), runs the loads of
``bot.evaluation.bench_load`` with 32 and 128 clients — ``/health``, one popular question
repeated, distinct questions (cold cache), distinct questions mixed with self-diagnosis steps —
and prints answers/s, p50/p99/p99.9 of the answered requests, the count of every status (503s
checked for ``Retry-After``), the server processes' CPU milliseconds per answer (from ``/proc``)
and, for each question load, its rate as a share of the same run's ``/health``. The clients run
on the same cores as the server: compare loads within one run, never across machines. Clients
told 503 wait ``Retry-After`` as the widget does (``--impatient``: they ask again at once).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import tempfile
from pathlib import Path

from bot.evaluation.bench_load import LOADS, LoadResult, question_pool, questions_asked, run_load
from bot.evaluation.live_server import UNLIMITED, LiveServer
from bot.index.embedders import e5_library
from bot.settings import ROOT, Settings

__all__ = ["bench", "main"]


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's workers are children of the supervisor)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = task / "children"
            if children.exists():
                todo.extend(int(c) for c in children.read_text().split())
    return found


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in {p for root in pids for p in _tree(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def _row(result: LoadResult, health: float | None = None) -> str:
    """One printed line; ``health`` (the same run's /health rate) adds the rate's share of it."""
    rate = result.ok / result.seconds
    others = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()) if not 200 <= s < 300) or "—"
    if result.failures:
        others += f", sin conexión: {result.failures}"
    if result.missing_retry_after:
        others += f", 503 sin Retry-After: {result.missing_retry_after}"
    cpu = result.cpu_seconds * 1000 / result.ok if result.ok else float("nan")
    share = f"  {100 * rate / health:3.0f}% de /health" if health and result.name != "health" else ""
    line = (
        f"  {result.name:<9} {result.clients:>4} clientes  {rate:7.1f} resp/s  p50 {result.percentile(0.5):6.1f} ms"
        f"  p99 {result.percentile(0.99):7.1f} ms  p99.9 {result.percentile(0.999):7.1f} ms"
        f"  CPU {cpu:5.1f} ms/resp{share}  otros: {others}"
    )
    if result.step_statuses:
        refused = sum(n for s, n in result.step_statuses.items() if not 200 <= s < 300)
        line += (
            f"\n  {'':<9} {'':>4}           pasos del autodiagnóstico: {len(result.steps)} respondidos, p50"
            f" {result.step_percentile(0.5):6.1f} ms  p99 {result.step_percentile(0.99):7.1f} ms, no 2xx: {refused}"
        )
    return line


async def bench(
    *,
    workers: tuple[int, ...],
    clients: tuple[int, ...],
    loads: tuple[str, ...],
    seconds: float,
    port: int,
    log_dir: Path,
    root: Path = ROOT,
    rounds: int = 1,
    patient: bool = True,
) -> list[LoadResult]:
    results = []
    for count in workers:
        # A scratch database per server: the benchmark's questions never enter the developer's
        # console log, and a server never starts by embedding earlier runs' questions for it.
        scratch = tempfile.TemporaryDirectory(prefix="asesor-bench-http-")
        env = {**UNLIMITED, "ASESOR_DATABASE_URL": f"sqlite:///{Path(scratch.name) / 'bench.sqlite3'}"}
        server = LiveServer(log_dir / f"bench-http-{count}.log", workers=count, root=root, port=port, env=env)
        try:
            await asyncio.to_thread(server.start)
            await run_load(port, "repeated", 8, 2.0)  # warm-up: models, caches, connections
            await run_load(port, "distinct", 8, 2.0)
            cpu = functools.partial(_cpu_seconds, [server.pid])  # the server and its workers
            first_question = questions_asked()
            for round_ in range(rounds):
                load = os.getloadavg()[0]
                print(f"--workers {count}  ronda {round_ + 1}/{rounds}  (carga del sistema: {load:.1f})", flush=True)
                for n in clients:
                    health = None
                    for name in loads:
                        result = await run_load(port, name, n, seconds, cpu=cpu, patient=patient)
                        results.append(result)
                        if name == "health":
                            health = result.ok / result.seconds
                        print(_row(result, health), flush=True)
                        if questions_asked() - first_question > question_pool():
                            print(
                                f"  aviso: este servidor ya recibió más de {question_pool()} preguntas: desde aquí, "
                                "«distinct» y «mixed» repiten preguntas que pueden estar en su caché",
                                flush=True,
                            )
        finally:
            server.stop()
            scratch.cleanup()
    return results


def _event_loop_runner():
    """uvloop when installed (uvicorn's standard extra brings it): the clients share the server's two
    cores, and the stock event loop spent so much of them that the client, not the server, set the
    pace of the fastest loads (with 2 workers: /health 2,700 req/s here against 1,600–1,800 with hey)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Carga HTTP contra un servidor real en 127.0.0.1.")
    parser.add_argument("--workers", default="1,2", help="procesos de trabajo a probar, separados por comas")
    parser.add_argument("--clients", default="32,128", help="clientes concurrentes, separados por comas")
    parser.add_argument("--loads", default=",".join(LOADS), help="cargas, separadas por comas: " + ", ".join(LOADS))
    parser.add_argument("--rounds", type=int, default=1, help="repeticiones de la tabla con el mismo servidor")
    parser.add_argument(
        "--impatient", action="store_true", help="tras un 503, preguntar de nuevo al instante (sin esperar Retry-After)"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="duración de cada carga")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="carpeta del código que sirve (para comparar con otra versión; mismo índice)",
    )
    args = parser.parse_args(argv)
    loads = tuple(args.loads.split(","))
    if unknown := [name for name in loads if name not in LOADS]:
        parser.error(f"carga desconocida: {', '.join(unknown)} (las cargas son: {', '.join(LOADS)})")
    try:
        workers = tuple(int(w) for w in args.workers.split(","))
        clients = tuple(int(c) for c in args.clients.split(","))
    except ValueError:
        parser.error("--workers y --clients son números enteros separados por comas (por ejemplo, 32,128)")
    settings = Settings()
    if settings.embedder == "e5":  # what this checkout's servers use (another --server-root decides for itself)
        print(f"Motor de e5: {'host (AVX-512 VNNI)' if e5_library(settings) else 'empaquetado'}", flush=True)
    _event_loop_runner()(
        bench(
            workers=workers,
            clients=clients,
            loads=loads,
            seconds=args.seconds,
            port=args.port,
            log_dir=Path(os.environ.get("TMPDIR", "/tmp")),
            root=args.server_root,
            rounds=max(1, args.rounds),
            patient=not args.impatient,
        )
    )


if __name__ == "__main__":
    main()
