"""A 20-second ``make soak`` inside ``make test``: the harness works and the server holds.

Why: the full soak (5 minutes, ``make soak``) is too long for every run, but its machinery — the
mixed load, the /proc sampling, the judgement — must be proven, and a short run already catches a
5xx or a leak of descriptors per request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from realserver import AsesorServer

from bot.evaluation.soak import SoakReport, _judge, run_soak


@pytest.mark.slow
def test_a_short_soak_against_a_real_server_passes(index_dir: Path, tmp_path: Path) -> None:
    env = {
        "ASESOR_INDEX_DIR": str(index_dir),
        "ASESOR_DATABASE_URL": f"sqlite:///{tmp_path / 'soak.sqlite3'}",
        "ASESOR_RATE_LIMIT_PER_MINUTE": "10000000",
        "ASESOR_LOG_LEVEL": "WARNING",
    }
    with AsesorServer(env, tmp_path / "serve.log") as server:
        report = run_soak(server.url, server.pid, 20, clients=3, warmup=6)
    print(report.summary())
    assert report.ok, report.summary()
    assert report.answers > 0 and report.ask_latencies
    assert {200, 201, 404, 413, 422} <= set(report.statuses), report.statuses  # every scenario ran
    assert "respuestas/s" in report.summary() and "p99" in report.summary()


def test_the_judge_fails_on_5xx_memory_growth_and_descriptor_leaks() -> None:
    healthy = SoakReport(
        seconds=30,
        requests=10,
        statuses={200: 10},
        warmup=5,
        rss=[(6, 300_000), (20, 310_000), (29, 305_000), (30, 306_000)],
        fds=[(6, 20), (20, 22), (29, 21), (30, 21)],
    )
    _judge(healthy)
    assert healthy.ok, healthy.failures
    leaking = SoakReport(
        seconds=30,
        requests=10,
        statuses={200: 8, 500: 2},
        warmup=5,
        rss=[(6, 300_000), (20, 350_000), (29, 380_000), (30, 400_000)],
        fds=[(6, 20), (20, 40), (29, 60), (30, 80)],
    )
    _judge(leaking)
    assert len(leaking.failures) == 3, leaking.failures
    assert "5xx" in leaking.failures[0] and "memoria" in leaking.failures[1] and "descriptores" in leaking.failures[2]
