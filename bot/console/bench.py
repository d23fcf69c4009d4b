"""``asesor staff bench``: the console's pages over 100,000 stored questions, timed.

Why this exists: issue 20 asks every page to answer in under 500 ms with 100,000 questions in
the log, on SQLite and PostgreSQL. This seeds a database (questions drawn from the eval set with
typos, channels, kinds and latencies spread over 90 days; finished diagnoses; feedback), then
times each page's data (the same function the HTML, JSON and CSV use) cold and warm.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

import yaml

from bot.console.events import CHANNELS, FEEDBACK_REASONS, Interaction
from bot.console.recorder import interaction_row
from bot.console.service import Period, StaffConsole
from bot.diagnosis import load_instrument
from bot.store import Store
from bot.store_staff import StaffStore

__all__ = ["seed", "time_pages"]

_DAY = 86_400
_KINDS = ["answer"] * 70 + ["partial"] * 8 + ["refusal"] * 14 + ["smalltalk"] * 6 + ["diagnosis_offer"] * 2


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 8 or rng.random() < 0.6:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1 :]


def seed(
    store: Store,
    corpus_dir: Path,
    *,
    questions: int = 100_000,
    diagnoses: int = 2_000,
    feedback: int = 5_000,
    seed_value: int = 20,
) -> None:
    """Fill the log through the same row builder the recorder uses, in batches of 5,000."""
    rng = random.Random(seed_value)
    items = yaml.safe_load((corpus_dir / "eval" / "questions.yaml").read_text(encoding="utf-8"))
    texts = [item["q"] for item in items]
    sections = sorted({item["section"] for item in items if item.get("section")})
    now = time.time()
    staff = StaffStore(store)
    batch: list[dict] = []
    for i in range(questions):
        kind = rng.choice(_KINDS)
        event = Interaction(
            created_at=now - rng.random() * 90 * _DAY,
            channel=rng.choice(CHANNELS[:3]),
            question=_typo(rng, rng.choice(texts)),
            answer="Respuesta de la cartilla… [1]",
            kind=kind,
            in_scope=kind != "refusal",
            section=rng.choice(sections),
            scope_score=rng.uniform(0.7, 1.0),
            latency_ms=rng.lognormvariate(3.0, 0.6),
            conversation_id=f"c{i % 20_000}",
        )
        batch.append(interaction_row(event))
        if len(batch) == 5_000:
            staff.write_batch(batch, [])
            batch = []
    outcomes = []
    instrument = load_instrument(corpus_dir / "diagnosis.yaml")  # real areas and bands: the pages read them
    areas = {p.index: p.area for p in instrument.practices}
    for d in range(diagnoses):
        values = {p: rng.choice((0, 1, 1, 2)) for p in areas}
        total = sum(values.values())
        band = next(b for b in instrument.bands if b.min <= total <= b.max)
        outcomes.append(
            {
                "diagnosis_id": f"d{d}",
                "created_at": now - rng.random() * 90 * _DAY,
                "channel": rng.choice(CHANNELS[:3]),
                "level_id": band.id,
                "level_name": band.name,
                "total": total,
                "percent": round(100 * total / (2 * len(areas)), 1),
                "practices": {p: (areas[p], v) for p, v in values.items()},
            }
        )
    staff.write_batch(batch, outcomes)
    departments = ["Antioquia", "Nariño", "Valle del Cauca", "Bogotá D.C.", "Santander"]
    for d in range(0, diagnoses, 3):
        staff.set_profile(diagnosis_id=f"d{d}", department=rng.choice(departments), sector="Agroindustria")
    reasons = list(FEEDBACK_REASONS)
    for _ in range(feedback):
        down = rng.random() < 0.3
        store.add_feedback(
            conversation_id=f"c{rng.randrange(20_000)}",  # a seeded conversation: its channel is the vote's
            question=rng.choice(texts),
            answer="…",
            rating="down" if down else "up",
            comment="Esperaba otra cosa" if down and rng.random() < 0.3 else None,
            reason=rng.choice(reasons) if down else None,
        )


def time_pages(console: StaffConsole, *, repeats: int = 5) -> dict[str, tuple[float, float, float]]:
    """Per page, for the last 90 days: (first call ms, median of the next ``repeats`` ms, median CPU
    ms of this process). On a loaded machine wall time waits for a core; CPU time does not (for
    SQLite it includes the queries; a PostgreSQL server's work is in its own processes)."""
    pages = {
        "volumen": console.volume,
        "sin-respuesta": console.unanswered,
        "valoraciones": console.feedback,
        "preguntas": console.top_questions,
        "autodiagnostico": console.diagnoses,
    }
    now = time.time()
    period = Period(now - 90 * _DAY, now + 1)
    figures = {}
    for page, compute in pages.items():
        started = time.perf_counter()
        compute(period)
        first = (time.perf_counter() - started) * 1000
        runs, cpu = [], []
        for _ in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            compute(period)
            runs.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        figures[page] = (first, statistics.median(runs), statistics.median(cpu))
    started, started_cpu = time.perf_counter(), time.process_time()
    console.volume(Period(now - 7 * _DAY, now + 1, "telegram"))
    elapsed = (time.perf_counter() - started) * 1000
    figures["volumen (7 días, telegram)"] = (elapsed, elapsed, (time.process_time() - started_cpu) * 1000)
    started, started_cpu = time.perf_counter(), time.process_time()
    console.feedback(Period(now - 90 * _DAY, now + 1, "web"))  # the channel comes from the conversations
    elapsed = (time.perf_counter() - started) * 1000
    figures["valoraciones (90 días, web)"] = (elapsed, elapsed, (time.process_time() - started_cpu) * 1000)
    return figures
