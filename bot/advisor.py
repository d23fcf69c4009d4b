"""The answer service: questions in, cited answers out, for every channel alike.

Built by the composition root (``bot.compose.build_services``), which loads the index, the
embedder, the suggestions and the generative model and injects them; this class builds nothing
from files itself. Every method is synchronous and CPU-bound; async channels call it through a
worker thread. Nothing here knows about HTTP or Telegram. A running advisor follows newly
published index versions (the injected ``IndexWatcher``), so everything derived from the index is
swapped in one step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Literal

import numpy as np

from bot.answer.compose import answer_turn, make_selector
from bot.answer.extractive import answer_sentences
from bot.answer.llm import GenerativeAnswerer
from bot.answer.memo import AnswerMemo, LruCache
from bot.answer.nearest import nearest_questions
from bot.answer.passages import PassageBook
from bot.answer.scope import ScopeJudge
from bot.answer.stream import AnswerStream
from bot.answer.suggestions import Suggestions, load_suggestions
from bot.answer.turns import TurnClassifier, turn_answer
from bot.console.events import Interaction, interaction
from bot.errors import InvalidInput
from bot.ids import new_id
from bot.index.embedders import VectorEmbedder
from bot.index.live import IndexWatcher
from bot.index.load import LoadedIndex
from bot.retrieval import DEFAULT_ALPHA, Lexicon, Retrieval, clean_question
from bot.retrieval.factory import make_retriever
from bot.retrieval.followup import asks_for_more, resolve_followup
from bot.schemas import Answer, Passage
from bot.services.guard import guard_store
from bot.services.hooks import AnswerHooks
from bot.settings import Settings
from bot.store import Store

__all__ = ["Advisor", "Suggestions", "load_suggestions"]  # the last two from bot.answer.suggestions

_CACHE_SIZE = 2048


def _ready(answer: Answer) -> Generator[str, None, Answer]:
    """A stream with no text pieces whose answer is already known (small talk)."""
    return answer
    yield  # unreachable: makes this a generator


class Advisor:
    def __init__(
        self,
        *,
        settings: Settings,
        index: LoadedIndex,
        embedder: VectorEmbedder,
        store: Store,
        lexicon: Lexicon,
        suggestions: Suggestions,
        turns: TurnClassifier,
        watcher: IndexWatcher | None = None,
        generative: GenerativeAnswerer | None = None,
        hooks: AnswerHooks | None = None,
        recorder: Callable[[Interaction], None] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._settings = settings
        self._embedder = embedder
        self._store = store
        self._lexicon = lexicon
        self._suggestions = suggestions
        self._turns = turns
        self._cache_lock = threading.Lock()
        self._use_index(index)
        self._watcher = watcher  # a newly published version replaces the index
        self._generative = generative  # None unless ASESOR_ANSWERER=llm
        self._hooks = hooks or AnswerHooks()  # told (per-step seconds, answer) after each answer
        self._recorder = recorder  # told each question with its channel (the staff console's log)
        self._clock = clock

    @property
    def streams_drafts(self) -> bool:
        """Whether answers arrive as a draft written piece by piece (the generative answerer)."""
        return self._generative is not None

    @property
    def scope_threshold(self) -> float:
        """The calibrated score under which a question is refused (the console flags answers just above)."""
        return self._scope.threshold

    def _use_index(self, index: LoadedIndex) -> None:
        """Serve ``index``: everything derived from it is rebuilt, then swapped in."""
        alpha = (
            self._settings.dense_weight if self._settings.dense_weight is not None else index.calibration.get("alpha")
        )
        retriever = make_retriever(
            self._settings, index, self._embedder, mode=self._settings.retrieval_mode, alpha=alpha or DEFAULT_ALPHA
        )
        book, selector = PassageBook(index.chunks), make_selector(index)
        with self._cache_lock:
            self._index, self._retriever, self._scope = index, retriever, ScopeJudge(self._lexicon, index.calibration)
            self._book, self._selector = book, selector
            self._retrievals: LruCache[str, Retrieval] = LruCache(_CACHE_SIZE)  # perf (issue 19)
            self._answers = AnswerMemo(_CACHE_SIZE)

    def _refresh_index(self) -> None:
        """Switch to a newly published index version (checked at most every few seconds)."""
        index = self._watcher.poll() if self._watcher is not None else None
        if index is not None:
            self._use_index(index)

    # Questions -------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        if len(question) > self._settings.max_question_chars:
            raise InvalidInput(
                f"La pregunta es demasiado larga: el máximo es {self._settings.max_question_chars} caracteres.",
                code="pregunta_muy_larga",
            )
        cleaned = clean_question(question)
        if not cleaned:
            raise InvalidInput("La pregunta está vacía. Escriba qué quiere saber.", code="pregunta_vacia")
        return cleaned

    def ask(
        self, question: str, *, conversation_id: str | None = None, converse: bool = False, channel: str = "cli"
    ) -> Answer:
        """Answer one question (a follow-up when the conversation has a previous turn)."""
        return self.stream(question, conversation_id=conversation_id, converse=converse, channel=channel).answer

    def stream(
        self, question: str, *, conversation_id: str | None = None, converse: bool = False, channel: str = "cli"
    ) -> AnswerStream:
        """The answer as it is written (see ``AnswerStream``). Bad input raises here, before any
        text; retrieval and the extractive answer are done here too, only the model is lazy.
        With ``converse`` and no ``conversation_id`` a new conversation is started (its id is on
        the answer); with an id the turn is remembered for follow-up questions. ``channel``
        (web, telegram, cli, whatsapp) is what the interaction recorder notes."""
        received = self._clock()
        cleaned = self.check_question(question)
        minted = converse and not conversation_id  # perf (issue 19): a new conversation costs no read
        if minted:
            conversation_id = new_id()
        self._refresh_index()
        turns: list[dict] = []
        if conversation_id and not minted:  # a conversation minted just now has no turn to read
            turns = guard_store(lambda: self._store.conversation(conversation_id=conversation_id))
        previous = turns[-1]["resolved"] if turns else None
        talk = self._talk(question, cleaned, turns[-1]["answer"] if turns else None)
        if talk is not None:  # small talk or a self-diagnosis request: its reply, no retrieval, no answerer
            self._hooks({"answer": 0.0}, talk)
            if conversation_id:  # a follow-up after it still refers to the last question
                turn = {"question": cleaned, "resolved": previous or "", "answer": talk.answer}
                guard_store(lambda: self._store.append_turn(conversation_id=conversation_id, turn=turn))
                talk.conversation_id = conversation_id
            self._record(question, talk, channel, received, None)
            return AnswerStream(_ready(talk))
        resolved = resolve_followup(cleaned, previous)
        shown: frozenset[str] = frozenset()
        if asks_for_more(cleaned):  # "explícame más", and again: what the last answers said is passed over
            shown = shown.union(*(answer_sentences(t["answer"]) for t in turns[-3:]))
        generative, started = self._generative, self._clock()
        retrieval: Retrieval | None = None

        def compose() -> tuple[Answer, float | None]:
            nonlocal retrieval, started
            retrieval = self._retrieve(resolved)
            decision = self._scope.decide(cleaned, retrieval, raw=question)
            started = self._clock()
            answer = answer_turn(
                question, retrieval, decision, self._book.by_section, self._selector, self._suggestions, shown=shown
            )
            return answer, decision.score

        if not shown and generative is None:  # perf (issue 19): a popular question is composed once
            memoized = self._answers.answer(question, resolved, compose)
            first, score = memoized.answer, memoized.score
        else:
            first, score = compose()
        timings = retrieval.timings if retrieval is not None else {"cache": 0.0}
        if not first.in_scope:
            generative = None  # out of scope: refused before any model call

        def pieces() -> Generator[str, None, Answer]:
            answer = first
            if generative is not None and retrieval is not None:
                answer = yield from generative.stream(question, retrieval, turns, first)
            self._hooks({**timings, "answer": self._clock() - started}, answer)
            if conversation_id:
                turn = {
                    "question": cleaned,
                    "resolved": resolved if answer.in_scope else previous or "",
                    "answer": answer.answer,
                }
                guard_store(lambda: self._store.append_turn(conversation_id=conversation_id, turn=turn))
                answer.conversation_id = conversation_id
            self._record(question, answer, channel, received, score)
            return answer

        return AnswerStream(pieces())

    def _talk(self, question: str, cleaned: str, last_answer: str | None) -> Answer | None:
        """The reply to a greeting, thanks, «¿quién eres?», «ok»… or a request to do the
        self-diagnosis (``bot.answer.turns``); ``None`` for a question (or role markup)."""
        if asks_for_more(cleaned) or self._scope.markup(question):
            return None
        turn = self._turns.classify(cleaned, last_answer)
        return None if turn is None else turn_answer(question, turn, self.starters())

    def _record(self, question: str, answer: Answer, channel: str, received: float, score: float | None) -> None:
        """Tell the recorder (the staff console's interaction log) about one answer; never blocks."""
        if self._recorder is not None:
            self._recorder(
                interaction(
                    question, answer, channel=channel, scope_score=score, latency_ms=(self._clock() - received) * 1000
                )
            )

    def _retrieve(self, resolved: str) -> Retrieval:
        """Retrieval for a resolved question; the same text (a popular question) is served from a
        small LRU cache, which belongs to one index version (a new version starts an empty one)."""
        with self._cache_lock:  # one index version's retriever and cache, even if a new one arrives
            cache, retriever = self._retrievals, self._retriever
        cached = cache.get(resolved)
        if cached is not None:
            return replace(cached, timings={"cache": 0.0})
        retrieval = retriever.search(resolved, k=self._settings.top_k)
        cache.put(resolved, retrieval)
        return retrieval

    def is_cached(self, question: str) -> bool:
        """True when ``question``, asked outside any conversation, needs no embedding (its retrieval
        is cached, or its answer remembered or being composed by another caller right now): perf
        (issue 19) lets such cheap work skip the bounded lane."""
        try:
            resolved = resolve_followup(self.check_question(question), None)
        except InvalidInput:
            return False
        with self._cache_lock:
            return resolved in self._retrievals or self._answers.known(question, resolved)

    def clear_cache(self) -> None:
        """Forget cached retrievals and answers (benchmarks of distinct questions need a cold cache)."""
        with self._cache_lock:
            self._retrievals.clear()
            self._answers.clear()

    def nearest_questions(self, vector: np.ndarray | None, *, n: int = 3, exclude_answered: bool = False) -> list[str]:
        """The suggested questions closest in meaning to a query embedding (starters without one)."""
        return nearest_questions(self._suggestions, vector, n=n, exclude_answered=exclude_answered)

    def starters(self) -> list[str]:
        return list(self._suggestions.starters)

    def passage(self, passage_id: str) -> Passage:
        return self._book.passage(passage_id)

    def sections(self) -> list[str]:
        """The booklet's top-level sections, in order, for '/fuentes'."""
        return self._book.sections()

    def feedback(
        self,
        *,
        rating: Literal["up", "down"],
        question: str,
        answer: str,
        conversation_id: str | None = None,
        comment: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Store a rating; ``reason`` is the optional 👎 chip (``bot.console.events.FEEDBACK_REASONS``)."""
        return guard_store(
            lambda: self._store.add_feedback(
                conversation_id=conversation_id,
                question=question,
                answer=answer,
                rating=rating,
                comment=comment,
                reason=reason,
            )
        )

    def index_info(self) -> dict:
        """Which index is serving (after looking for a newly published one), for health checks."""
        self._refresh_index()
        index = self._index
        return {"index_version": index.version, "embedder": index.manifest["embedder"], "chunks": len(index.chunks)}
