"""The composition root: every service the channels use, built once from ``Settings``.

Why this exists: channels (CLI, HTTP API, Telegram, and whatever comes next) must not know how the
advisor is put together — which index, which embedder, which database, which model. They receive a
``Services`` and call its members; this is the one place that opens the store, loads the index and
the instrument, embeds the suggestions and starts the generative model. Collaborators that tests
or deployments replace (the embedder, the generative model, the clock) are parameters.

``Services`` is a plain dataclass: adding a service is adding a field here and building it in
``build_services`` (see docs/architecture.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.errors import Unavailable
from bot.services.hooks import AnswerHooks, AnswerObserver
from bot.settings import Settings

if TYPE_CHECKING:  # the heavy parts (index, models, database) are imported when built, not on import
    from bot.advisor import Advisor
    from bot.answer.llm import GenerativeAnswerer
    from bot.index.embedders import VectorEmbedder
    from bot.services.admission import QuestionLane
    from bot.services.chat_state import ChatState
    from bot.services.diagnoses import Diagnoses
    from bot.services.operations import Operations
    from bot.services.personal_data import PersonalData
    from bot.store import Store

__all__ = ["Services", "build_personal_data", "build_services"]

_NO_MODEL = object()  # "not given": build the generative model the settings ask for


@dataclass
class Services:
    """What a channel may use. Every member is safe to call from worker threads."""

    settings: Settings
    answers: Advisor  # ask, stream, passage, starters, sections, nearest questions, feedback
    diagnoses: Diagnoses  # start/state/answer/back/skip/restart/report, every write compare-and-set
    personal_data: PersonalData  # delete a conversation or diagnosis, forget a chat, purge by age
    chat_state: ChatState  # typed per-chat state of the channels' bindings
    operations: Operations  # health and the shared rate-limit counter
    question_lane: QuestionLane  # the process's one bounded lane for questions (503 / retry when full)
    hooks: AnswerHooks = field(default_factory=AnswerHooks)  # who hears about each answer
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def close(self) -> None:
        """Release the lane's threads, the embedder's batching thread and the database connections
        (a process that ends need not call it)."""
        for close in self._closers:
            close()


def build_services(
    settings: Settings,
    *,
    embedder: VectorEmbedder | None = None,
    generative: GenerativeAnswerer | None | object = _NO_MODEL,
    clock: Callable[[], float] = time.time,
    observers: tuple[AnswerObserver, ...] = (),
    store: Store | None = None,
) -> Services:
    """Build every service. ``generative=None`` forces the extractive answerer; by default the one
    ``ASESOR_ANSWERER`` asks for. ``clock`` is wall time (retention); ``observers`` hear each answer;
    ``store`` is an already open store (its owner closes it), else one is opened from the settings."""
    from bot import diagnosis as dx
    from bot.advisor import Advisor, load_suggestions
    from bot.answer.llm import make_generative
    from bot.answer.turns import load_classifier
    from bot.index.batching import BatchingEmbedder, batched
    from bot.index.embedders import make_embedder
    from bot.index.live import IndexWatcher
    from bot.index.load import IndexUnavailable, load_index
    from bot.retrieval import Lexicon
    from bot.services.admission import QuestionLane
    from bot.services.chat_state import ChatState
    from bot.services.diagnoses import Diagnoses
    from bot.services.operations import Operations
    from bot.services.personal_data import PersonalData

    try:
        index = load_index(settings)
    except IndexUnavailable as error:
        raise Unavailable(str(error), code="indice_no_disponible") from error
    from bot.services.database import open_store

    owned = store is None
    store = open_store(settings) if store is None else store
    # perf (issue 19): concurrent questions share one embedder call (bot/index/batching.py);
    # a given embedder (tests, benchmarks) is wrapped too, so every process embeds the same way
    given = embedder
    embedder = batched(embedder or make_embedder(settings))
    model = make_generative(settings) if generative is _NO_MODEL else generative
    hooks = AnswerHooks(observers)
    lexicon = Lexicon.load(settings.corpus_dir / "lexicon.yaml")
    instrument = dx.load_instrument(settings.corpus_dir / "diagnosis.yaml")
    lane = QuestionLane.from_settings(settings)
    closers: list[Callable[[], None]] = [lane.close]
    if isinstance(embedder, BatchingEmbedder) and embedder is not given:  # ours: stop its worker thread
        closers.append(embedder.close)
    if owned:
        closers.append(store.close)
    answers = Advisor(
        settings=settings,
        index=index,
        embedder=embedder,
        store=store,
        lexicon=lexicon,
        suggestions=load_suggestions(settings.corpus_dir / "suggestions.yaml", embedder),
        turns=load_classifier(settings.corpus_dir / "smalltalk.yaml", lexicon.abbreviations, instrument),
        watcher=IndexWatcher(settings, index.version),
        generative=model,  # type: ignore[arg-type]
        hooks=hooks,
    )
    return Services(
        settings=settings,
        answers=answers,
        diagnoses=Diagnoses(store, instrument),
        personal_data=PersonalData(store, retention_days=settings.retention_days, clock=clock),
        chat_state=ChatState(store),
        operations=Operations(store, answers.index_info),
        question_lane=lane,
        hooks=hooks,
        _closers=closers,
    )


def build_personal_data(settings: Settings, *, clock: Callable[[], float] = time.time) -> PersonalData:
    """Only the personal-data service: opens the store, never the index or the embedder (``asesor purge``)."""
    from bot.services.database import open_store
    from bot.services.personal_data import PersonalData

    return PersonalData(open_store(settings), retention_days=settings.retention_days, clock=clock)
