"""The console's storage, SQL aggregates, accounts and grouping on SQLite and PostgreSQL.

Why: the numbers staff read are computed by the database, so they are checked against rows
seeded through the real recorder, on both databases the advisor supports.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.cli_staff import eval_stubs
from bot.console.accounts import AccountError, Accounts
from bot.console.analytics import Analytics, Period
from bot.console.charts import ImageCache, volume_png
from bot.console.events import DiagnosisOutcome, Interaction
from bot.console.groups import QuestionGrouper
from bot.console.masking import mask_personal_data
from bot.console.recorder import Recorder
from bot.migrate import upgrade
from bot.privacy import purge
from bot.store import Store
from bot.store_staff import StaffStore

DAY = 86_400


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    opened = Store(url)
    yield opened
    opened.close()


def _ask(
    recorder: Recorder,
    question: str,
    *,
    kind="answer",
    days_ago=0.0,
    channel="web",
    score=0.95,
    section="1. Introducción",
    latency=10.0,
    conversation=None,
) -> None:
    recorder(
        Interaction(
            created_at=time.time() - days_ago * DAY,
            channel=channel,
            question=question,
            answer=f"respuesta a {question}",
            kind=kind,
            in_scope=kind != "refusal",
            section=section,
            scope_score=score,
            latency_ms=latency,
            conversation_id=conversation,
        )
    )


def test_aggregates_are_computed_by_the_database(store: Store) -> None:
    staff = StaffStore(store)
    recorder = Recorder(staff)
    for i in range(5):
        _ask(recorder, "¿Qué es una iniciativa cluster?", latency=10 + i)
    _ask(recorder, "que es una iniciativa cluster", channel="telegram", latency=100)
    _ask(recorder, "¿Cuánto vale el registro?", kind="refusal", score=0.5, section="Glosario")
    _ask(recorder, "hola", kind="smalltalk", section=None)
    _ask(recorder, "¿Qué es la gobernanza?", score=0.81)  # in scope, but barely
    _ask(recorder, "pregunta vieja", days_ago=40)
    recorder(
        DiagnosisOutcome(
            created_at=time.time(),
            diagnosis_id="d1",
            channel="web",
            level_id="b",
            level_name="Medio",
            total=13,
            percent=50.0,
            practices={1: ("origen", 0), 2: ("origen", 2), 3: ("analisis", 1)},
        )
    )
    recorder(
        DiagnosisOutcome(
            created_at=time.time(),
            diagnosis_id="d2",
            channel="telegram",
            level_id="a",
            level_name="Inicial",
            total=2,
            percent=7.7,
            practices={1: ("origen", 0), 2: ("origen", 0), 3: ("analisis", 2)},
        )
    )
    recorder.stop()
    staff.set_profile(diagnosis_id="d2", department="Nariño", sector="Café")
    store.add_feedback(conversation_id=None, question="q", answer="a", rating="down", comment="mal", reason="muy_larga")
    store.add_feedback(conversation_id=None, question="q", answer="a", rating="up", comment=None)

    analytics = Analytics(staff, low_confidence=0.83)
    month = Period(time.time() - 30 * DAY, time.time() + 1)
    days = analytics.per_day(month)
    assert sum(d["preguntas"] for d in days) == 9 and sum(d["rechazos"] for d in days) == 1
    assert {k["tipo"]: k["preguntas"] for k in analytics.kinds(month)} == {"answer": 7, "refusal": 1, "smalltalk": 1}
    assert analytics.median_latency(month) == 11.0  # 9 values: 10 10 10 10 11 12 13 14 100 → the 5th
    web = Period(month.start, month.end, "telegram")
    assert analytics.median_latency(web) == 100.0
    weak = {row["pregunta"] for row in analytics.unanswered(month)}
    assert weak == {"¿Cuánto vale el registro?", "¿Qué es la gobernanza?"}
    top = analytics.top_questions(month)
    assert top[0]["veces"] == 6 and top[0]["key"] == "que es una iniciativa cluster"  # accents and ¿? folded
    assert analytics.cited_sections(month)[0] == {"seccion": "1. Introducción", "respuestas": 7}
    assert analytics.feedback_rates(month) == {"up": 1, "down": 1, "total": 2, "up_rate": 50.0, "down_rate": 50.0}
    assert analytics.feedback_reasons(month) == [{"motivo": "muy_larga", "votos": 1}]
    summary = analytics.diagnosis_summary(month)
    assert summary["completed"] == 2 and {lv["nivel"] for lv in summary["levels"]} == {"Medio", "Inicial"}
    practices = {p["practica"]: p for p in analytics.practice_averages(month)}
    assert practices[1]["no_ejecutado"] == 2 and practices[2]["promedio"] == 1.0 and practices[3]["promedio"] == 1.5
    assert analytics.diagnosis_summary(month, department="Nariño")["completed"] == 1
    assert {a["area"]: a["promedio"] for a in analytics.area_averages(month, sector="Café")} == {
        "analisis": 2.0,
        "origen": 0.0,
    }
    assert analytics.profiles() == {"departments": ["Nariño"], "sectors": ["Café"]}

    report = purge(store, 30)  # retention reaches the console's tables
    assert report.deleted["interactions"] == 1 and "preguntas registradas" in report.spanish()


def test_feedback_is_filtered_by_the_channel_of_its_conversation(store: Store) -> None:
    staff = StaffStore(store)
    recorder = Recorder(staff)
    _ask(recorder, "¿Qué es un cluster?", channel="web", conversation="conv-web")
    _ask(recorder, "¿Qué es un cluster?", channel="telegram", conversation="conv-tg")
    recorder.stop()
    for conversation, rating, reason in [("conv-web", "down", "muy_larga"), ("conv-tg", "down", None)]:
        store.add_feedback(
            conversation_id=conversation, question="q", answer="a", rating=rating, comment=None, reason=reason
        )
    store.add_feedback(conversation_id="conv-tg", question="q", answer="a", rating="up", comment=None)
    store.add_feedback(conversation_id=None, question="q", answer="a", rating="up", comment=None)  # no channel known
    analytics = Analytics(staff, low_confidence=0.83)
    now = time.time()
    every, web, telegram = (Period(now - DAY, now + 1, channel) for channel in (None, "web", "telegram"))
    assert analytics.feedback_rates(every)["total"] == 4
    assert analytics.feedback_rates(web) == {"up": 0, "down": 1, "total": 1, "up_rate": 0.0, "down_rate": 100.0}
    assert analytics.feedback_rates(telegram)["up"] == 1 and analytics.feedback_rates(telegram)["down"] == 1
    assert analytics.feedback_reasons(web) == [{"motivo": "muy_larga", "votos": 1}]
    assert analytics.feedback_rates(Period(now - DAY, now + 1, "whatsapp"))["total"] == 0
    assert sorted(row["canal"] for row in analytics.thumbs_down(every)) == ["telegram", "web"]
    assert [row["canal"] for row in analytics.thumbs_down(telegram)] == ["telegram"]


def test_accounts_hash_throttle_and_lock(store: Store) -> None:
    now = [1_000_000.0]
    accounts = Accounts(StaffStore(store), max_failures=3, lock_seconds=600, per_minute=100, clock=lambda: now[0])
    accounts.add("Ana@Red.test ", "clave-muy-larga-1")
    with pytest.raises(AccountError, match="Ya existe"):
        accounts.add("ana@red.test", "clave-muy-larga-1")
    with pytest.raises(AccountError, match="12 caracteres"):
        accounts.add("otra@red.test", "corta")
    stored = StaffStore(store).account(email="ana@red.test")
    assert stored.password_hash.startswith("$argon2id$") and "clave" not in stored.password_hash
    assert accounts.login("ana@red.test", "clave-muy-larga-1", client="c").ok
    assert accounts.login("nadie@red.test", "x", client="c").reason == "wrong"
    for _ in range(2):
        assert accounts.login("ana@red.test", "mal", client="c").reason == "wrong"
    assert accounts.login("ana@red.test", "mal", client="c").reason == "locked"
    assert accounts.login("ana@red.test", "clave-muy-larga-1", client="c").reason == "locked"
    now[0] += 601
    assert accounts.login("ana@red.test", "clave-muy-larga-1", client="c").ok  # the lock expires
    throttled = Accounts(StaffStore(store), per_minute=2, clock=lambda: now[0])
    throttled.login("x@red.test", "a", client="ip")
    throttled.login("x@red.test", "a", client="ip")
    assert throttled.login("ana@red.test", "clave-muy-larga-1", client="ip").reason == "throttled"
    assert accounts.remove("ana@red.test") and not accounts.any()


def test_similar_questions_form_one_group(shared_embedder) -> None:
    rows = [
        {
            "key": k,
            "veces": n,
            "pregunta": q,
            "seccion": "s",
            "respuesta": "r",
            "tipo": "refusal",
            "marca": None,
            "ultima": 1.0,
        }
        for k, n, q in [
            ("a", 5, "¿Cuánto cuesta registrar una empresa?"),
            ("b", 2, "cuanto cuesta registrar una empresa"),
            ("c", 1, "¿Quién ganó el mundial de fútbol?"),
        ]
    ]
    groups = QuestionGrouper(shared_embedder, threshold=0.95).group(rows)
    assert [(g.question, g.count, g.keys) for g in groups] == [
        ("¿Cuánto cuesta registrar una empresa?", 7, ["a", "b"]),
        ("¿Quién ganó el mundial de fútbol?", 1, ["c"]),
    ]


def test_the_start_up_warm_embeds_a_few_at_a_time_and_rests_between_calls(shared_embedder) -> None:
    """At most a quarter of the embedder: questions arriving meanwhile are not crowded out."""
    calls: list[int] = []

    class Counting:
        def document_vectors(self, texts):
            calls.append(len(texts))
            return shared_embedder.document_vectors(texts)

    ticks = iter(range(1000))
    rests: list[float] = []
    grouper = QuestionGrouper(Counting())
    grouper.vectors(["ya embebida"])
    texts = ["ya embebida"] + [f"pregunta número {i}" for i in range(19)] + ["pregunta número 3"]
    embedded = grouper.warm(texts, chunk=8, share=0.25, sleep=rests.append, clock=lambda: float(next(ticks)))
    assert embedded == 19 and calls == [1, 8, 8, 3]  # only what is missing, in chunks of 8
    assert rests == [3.0, 3.0, 3.0]  # each call took 1 s on this clock: 3 s of rest after it


def test_personal_data_is_masked() -> None:
    assert (
        mask_personal_data("soy ana@camara.org.co, cel 310 555 1234, CC 1.023.456.789")
        == "soy [correo], cel [teléfono], CC [documento]"
    )
    assert (
        mask_personal_data("¿qué dice la fase 2 sobre el 80% de 1.000 empresas en 2013?")
        == "¿qué dice la fase 2 sobre el 80% de 1.000 empresas en 2013?"
    )


def test_export_eval_writes_tune_stubs_after_the_last_id() -> None:
    existing = [{"id": "q001", "q": "que es un cluster"}, {"id": "q459", "q": "otra"}]
    stubs = eval_stubs(
        [{"q": "Que es un cluster", "section": "1"}, {"q": "¿Cómo se financia?", "section": ""}], existing
    )
    assert stubs == [
        {
            "id": "q460",
            "q": "¿Cómo se financia?",
            "section": "POR COMPLETAR",
            "evidence": "POR COMPLETAR: una frase exacta de la cartilla",
            "split": "tune",
            "kind": "plain",
        }
    ]


def test_a_chart_is_drawn_again_only_when_its_numbers_change() -> None:
    drawn: list[str] = []

    def draw(rows: str):
        return lambda: drawn.append(rows) or f"png {rows}".encode()

    cache = ImageCache(size=2)
    assert cache.get(("volumen", "[1, 2]"), draw("[1, 2]")) == b"png [1, 2]"
    assert cache.get(("volumen", "[1, 2]"), draw("[1, 2]")) == b"png [1, 2]"  # same numbers: not drawn again
    assert cache.get(("radar", "[1, 2]"), draw("radar")) == b"png radar"  # another chart of the same rows
    cache.get(("volumen", "[1, 3]"), draw("[1, 3]"))  # a new question changed the numbers; the oldest goes
    cache.get(("volumen", "[1, 2]"), draw("[1, 2]"))
    assert drawn == ["[1, 2]", "radar", "[1, 3]", "[1, 2]"]
    assert volume_png([{"dia": "2026-12-01", "respuestas": 3, "rechazos": 1, "conversacion": 0}])[:4] == b"\x89PNG"
