"""The composition root: every service the channels use, built once from ``Settings``.

Why this exists: channels (CLI, HTTP API, Telegram, and whatever comes next) must not know how the
advisor is put together — which index, which embedder, which database, which model. They receive a
``Services`` and call its members; this is the one place that opens the store, loads the index and
the instrument, embeds the suggestions and starts the generative model. Collaborators that tests
or deployments replace (the embedder, the generative model, the clock) are parameters.

``Services`` is a plain dataclass: adding a service is adding a field here and building it in
``build_services`` (see docs/architecture.md). The staff console's interaction recorder is built
here too and handed to the answer and diagnosis services (who write records) and to the
personal-data service (who flushes it before deleting); ``Services.close()`` stops it, writing
every pending record.
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
    from bot.console.recorder import Recorder
    from bot.console.service import StaffConsole
    from bot.index.embedders import VectorEmbedder
    from bot.services.admission import QuestionLane
    from bot.services.channels import ChannelService
    from bot.services.chat_state import ChatState
    from bot.services.diagnoses import Diagnoses
    from bot.services.operations import Operations
    from bot.services.personal_data import PersonalData
    from bot.store import Store

__all__ = ["Services", "build_channels", "build_personal_data", "build_services"]

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
    channels: ChannelService  # messaging channels: seen message ids, the 24-hour window, hand-off codes
    question_lane: QuestionLane  # the process's one bounded lane for questions (503 / retry when full)
    hooks: AnswerHooks = field(default_factory=AnswerHooks)  # who hears about each answer
    recorder: Recorder | None = None  # the interaction log, batched off the request path (started)
    staff: StaffConsole | None = None  # the staff console (None with ASESOR_STAFF_ENABLED=false)
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def close(self) -> None:
        """Write the recorder's pending records, then release the lane's threads, the embedder's
        batching thread and the database connections. Safe to call twice; a process that ends should
        call it (or lose up to a flush interval of records)."""
        if self.recorder is not None:
            self.recorder.stop()
        for close in self._closers:
            close()
        self._closers.clear()


def build_services(
    settings: Settings,
    *,
    embedder: VectorEmbedder | None = None,
    generative: GenerativeAnswerer | None | object = _NO_MODEL,
    clock: Callable[[], float] = time.time,
    observers: tuple[AnswerObserver, ...] = (),
    store: Store | None = None,
    record: bool = True,
) -> Services:
    """Build every service. ``generative=None`` forces the extractive answerer; by default the one
    ``ASESOR_ANSWERER`` asks for. ``clock`` is wall time (retention); ``observers`` hear each answer;
    ``store`` is an already open store (its owner closes it), else one is opened from the settings.
    ``record=False`` builds no interaction recorder and no console (benchmarks, evaluation)."""
    from bot import diagnosis as dx
    from bot.advisor import Advisor, load_suggestions
    from bot.answer.llm import make_generative
    from bot.answer.turns import load_classifier
    from bot.console.recorder import Recorder
    from bot.console.service import build_staff_console
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
    from bot.store_staff import StaffStore

    try:
        index = load_index(settings)
    except IndexUnavailable as error:
        raise Unavailable(str(error), code="indice_no_disponible") from error
    from bot.services.database import open_store

    owned = store is None
    # perf (issue 19): conversation turns are written behind, in batches (bot/store_turns.py)
    store = open_store(settings, write_behind=True) if store is None else store
    # perf (issue 19): concurrent questions share one embedder call (bot/index/batching.py);
    # a given embedder (tests, benchmarks) is wrapped too, so every process embeds the same way
    given = embedder
    embedder = batched(embedder or make_embedder(settings), calls=settings.embedding_calls)
    model = make_generative(settings) if generative is _NO_MODEL else generative
    hooks = AnswerHooks(observers)
    lexicon = Lexicon.load(settings.corpus_dir / "lexicon.yaml")
    instrument = dx.load_instrument(settings.corpus_dir / "diagnosis.yaml")
    recorder = Recorder(StaffStore(store), interval=settings.staff_flush_seconds).start() if record else None
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
        recorder=recorder,
    )
    staff = None
    if record and settings.staff_enabled:  # answers scored just above the scope threshold count as weak
        staff = build_staff_console(
            settings,
            store,
            embedder,
            clock,
            recorder=recorder,
            instrument=instrument,
            low_confidence=answers.scope_threshold,
        )
    diagnoses = Diagnoses(store, instrument, recorder=recorder)
    return Services(
        settings=settings,
        answers=answers,
        diagnoses=diagnoses,
        personal_data=PersonalData(
            store,
            retention_days=settings.retention_days,
            clock=clock,
            flush=recorder.flush if recorder is not None else None,
        ),
        chat_state=ChatState(store),
        operations=Operations(store, answers.index_info),
        channels=_channels(settings, store, diagnoses, clock),
        question_lane=lane,
        hooks=hooks,
        recorder=recorder,
        staff=staff,
        _closers=closers,
    )


def build_personal_data(settings: Settings, *, clock: Callable[[], float] = time.time) -> PersonalData:
    """Only the personal-data service: opens the store, never the index or the embedder (``asesor purge``)."""
    from bot.services.database import open_store
    from bot.services.personal_data import PersonalData

    return PersonalData(open_store(settings), retention_days=settings.retention_days, clock=clock)


def build_channels(settings: Settings, *, clock: Callable[[], float] = time.time) -> ChannelService:
    """Only the channel service (hand-off codes): opens the store and the instrument, never the
    index or the embedder (``asesor handoff``)."""
    from bot import diagnosis as dx
    from bot.services.database import open_store
    from bot.services.diagnoses import Diagnoses

    store = open_store(settings)
    instrument = dx.load_instrument(settings.corpus_dir / "diagnosis.yaml")
    return _channels(settings, store, Diagnoses(store, instrument), clock)


def _channels(settings: Settings, store: Store, diagnoses: Diagnoses, clock: Callable[[], float]) -> ChannelService:
    from bot.channel_store import ChannelStore
    from bot.services.channels import ChannelService

    return ChannelService(
        ChannelStore(store),
        diagnosis_exists=diagnoses.state,
        telegram_bot=settings.telegram_bot_username,
        whatsapp_number=settings.whatsapp_number,
        clock=clock,
    )
