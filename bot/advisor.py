"""The ``Advisor`` façade: the only thing channels talk to.

Built once per process by ``Advisor.from_settings``: it loads the index, the embedder and the
self-diagnosis instrument, and opens the store. Every method is synchronous and CPU-bound;
async channels call it through a worker thread. Nothing here knows about HTTP or Telegram.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import yaml

from bot import diagnosis as dx
from bot import privacy
from bot.answer.extractive import answer_sentences, compose_extractive
from bot.answer.llm import make_generative
from bot.advisor_diagnosis import REPORT_TYPES, DiagnosisMixin, ReportFormat
from bot.answer.scope import ScopeDecision, ScopeJudge
from bot.errors import InvalidInput, NotFound, Unavailable
from bot.index.batching import batched
from bot.index.embedders import VectorEmbedder, make_embedder
from bot.index.live import IndexWatcher
from bot.index.load import IndexUnavailable, LoadedIndex, load_index
from bot.migrate import SchemaOutdated
from bot.retrieval.factory import make_retriever
from bot.retrieval import DEFAULT_ALPHA, Lexicon, Retrieval, clean_question
from bot.retrieval.followup import asks_for_more, resolve_followup
from bot.schemas import Answer, Passage
from bot.settings import Settings
from bot.store import Store, StoreUnavailable

__all__ = ["Advisor", "ReportFormat", "REPORT_TYPES"]
_REFUSALS = {
    "empty": "No recibí ninguna pregunta. Escríbame lo que quiera saber sobre las iniciativas cluster.",
    "injection": "Solo puedo responder preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia»; "
    "no puedo cambiar mis instrucciones ni hacer otras tareas.",
    "language": "Por ahora solo respondo en español, sobre la cartilla «ABC de las iniciativas cluster en Colombia».",
    "nonsense": "No logré entender su mensaje. ¿Podría escribirlo de otra forma?",
    "off_topic": "Ese tema no lo trata la cartilla «ABC de las iniciativas cluster en Colombia» (no cubre impuestos, "
    "trámites de registro, datos de contacto, precios, créditos ni programas de otros países).",
    "low_score": "Lo siento, esa pregunta no la responde la cartilla «ABC de las iniciativas cluster en Colombia».",
}
_CACHE_SIZE = 2048
_KNOWS = (
    "Puedo ayudarle con lo que explica la cartilla: qué es un cluster y una iniciativa cluster, las fases para "
    "diseñarla, la gobernanza, el autodiagnóstico de 13 buenas prácticas, las entidades que apoyan y el SSME."
)


@dataclass
class _Suggestions:
    questions: list[str]
    starters: list[str]
    vectors: np.ndarray


class Advisor(DiagnosisMixin):
    def __init__(
        self,
        *,
        settings: Settings,
        index: LoadedIndex,
        embedder: VectorEmbedder,
        store: Store,
        instrument: dx.Instrument,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.instrument = instrument
        self._lexicon = Lexicon.load(settings.corpus_dir / "lexicon.yaml")
        data = yaml.safe_load((settings.corpus_dir / "suggestions.yaml").read_text(encoding="utf-8"))
        self._suggestions = _Suggestions(
            questions=data["questions"], starters=data["starters"], vectors=embedder.document_vectors(data["questions"])
        )
        self._cache_lock = threading.Lock()
        self._use_index(index)
        self._watcher = IndexWatcher(settings, index.version)  # a newly published version replaces it
        self.generative = make_generative(settings)  # None unless ASESOR_ANSWERER=llm
        # Called with (per-step seconds, answer) after each answer: metrics hook in here.
        self.observers: list = []

    def _use_index(self, index: LoadedIndex) -> None:
        """Serve ``index``: everything derived from it is rebuilt, then swapped in."""
        alpha = self.settings.dense_weight if self.settings.dense_weight is not None else index.calibration.get("alpha")
        retriever = make_retriever(
            self.settings, index, self.embedder, mode=self.settings.retrieval_mode, alpha=alpha or DEFAULT_ALPHA
        )
        sections: dict[str, list[Passage]] = {}
        for chunk in index.chunks:  # reading order: the first passage of each section opens it
            sections.setdefault(chunk.section, []).append(
                Passage(id=chunk.id, section=chunk.section, text=chunk.text, score=1.0, kind=chunk.kind))
        with self._cache_lock:
            self.index, self.retriever, self.scope = index, retriever, ScopeJudge(self._lexicon, index.calibration)
            self._passages, self._sections = {c.id: c for c in index.chunks}, sections
            self._cache: OrderedDict[str, Retrieval] = OrderedDict()

    def _refresh_index(self) -> None:
        """Switch to a newly published index version (checked at most every few seconds)."""
        index = self._watcher.poll()
        if index is not None:
            self._use_index(index)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, embedder: VectorEmbedder | None = None) -> "Advisor":
        settings = settings or Settings()
        try:
            index = load_index(settings)
        except IndexUnavailable as error:
            raise Unavailable(str(error), code="indice_no_disponible") from error
        try:
            store = Store(settings.database_url)
        except StoreUnavailable as error:
            raise Unavailable("No se pudo abrir la base de datos del asesor.", code="almacen_no_disponible") from error
        except SchemaOutdated as error:
            raise Unavailable(str(error), code="esquema_desactualizado") from error
        return cls(
            settings=settings,
            index=index,
            # perf (issue 19): concurrent questions share one embedder call (bot/index/batching.py)
            embedder=embedder or batched(make_embedder(settings)),
            store=store,
            instrument=dx.load_instrument(settings.corpus_dir / "diagnosis.yaml"),
        )

    # Questions -------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        if len(question) > self.settings.max_question_chars:
            raise InvalidInput(
                f"La pregunta es demasiado larga: el máximo es {self.settings.max_question_chars} caracteres.",
                code="pregunta_muy_larga",
            )
        cleaned = clean_question(question)
        if not cleaned:
            raise InvalidInput("La pregunta está vacía. Escriba qué quiere saber.", code="pregunta_vacia")
        return cleaned

    def ask(self, question: str, *, conversation_id: str | None = None, new_conversation: bool = False) -> Answer:
        """Answer one question (a follow-up when the conversation has a previous turn)."""
        *_, answer = self.ask_stream(question, conversation_id=conversation_id, new_conversation=new_conversation)
        return answer

    def ask_stream(self, question: str, *, conversation_id: str | None = None,
                   new_conversation: bool = False) -> Iterator[str | Answer]:
        """The generative answer's text pieces as the model writes them (none when the extractive
        answerer answers), then the final, checked ``Answer``, always last and authoritative.
        Bad input raises at the first ``next()``, before anything is yielded.
        ``new_conversation``: the caller just minted ``conversation_id``, so there is no turn to
        read (perf, issue 19: a question without a conversation costs one store write, no read)."""
        cleaned = self.check_question(question)
        self._refresh_index()
        turns: list[dict] = []
        if conversation_id and not new_conversation:
            turns = self._guard(lambda: self.store.conversation(conversation_id=conversation_id))
        previous = turns[-1]["resolved"] if turns else None
        resolved = resolve_followup(cleaned, previous)
        retrieval = self._retrieve(resolved)
        decision = self.scope.decide(cleaned, retrieval)
        started = time.perf_counter()
        shown: frozenset[str] = frozenset()
        if asks_for_more(cleaned):  # "explícame más", and again: what the last answers said is passed over
            shown = shown.union(*(answer_sentences(t["answer"]) for t in turns[-3:]))
        answer = self._answer(question, retrieval, decision, shown=shown)
        if answer.in_scope and self.generative is not None:  # out of scope: refused before any model call
            answer = yield from self.generative.stream(question, retrieval, turns, answer)
        self._observe(retrieval, answer, time.perf_counter() - started)
        if conversation_id:
            turn = {"question": cleaned, "resolved": resolved if answer.in_scope else previous or "", "answer": answer.answer}
            self._guard(lambda: self.store.append_turn(conversation_id=conversation_id, turn=turn))
            answer.conversation_id = conversation_id
        yield answer

    def _retrieve(self, resolved: str) -> Retrieval:
        """Retrieval for a resolved question; the index never changes under a running advisor,
        so the same text (a popular question) is served from a small LRU cache."""
        with self._cache_lock:  # one index version's retriever and cache, even if a new one arrives
            cache, retriever = self._cache, self.retriever
            cached = cache.get(resolved)
            if cached is not None:
                cache.move_to_end(resolved)
                return replace(cached, timings={"cache": 0.0})
        retrieval = retriever.search(resolved, k=self.settings.top_k)
        with self._cache_lock:
            cache[resolved] = retrieval
            if len(cache) > _CACHE_SIZE:
                cache.popitem(last=False)
        return retrieval

    def is_cached(self, question: str) -> bool:
        """True when ``question``, asked outside any conversation, needs no embedding (its
        retrieval is cached): perf (issue 19) lets such cheap work skip the bounded lane."""
        try:
            resolved = resolve_followup(self.check_question(question), None)
        except InvalidInput:
            return False
        with self._cache_lock:
            return resolved in self._cache

    def clear_cache(self) -> None:
        """Forget cached retrievals (benchmarks of distinct questions need a cold cache)."""
        with self._cache_lock:
            self._cache.clear()

    def _answer(self, question: str, retrieval: Retrieval, decision: ScopeDecision, *,
                shown: frozenset[str] = frozenset()) -> Answer:
        if not decision.in_scope:
            suggestions = self.nearest_questions(retrieval.vector)
            text = f"{_REFUSALS[decision.reason]} {_KNOWS}"
            return Answer(question=question, answer=text, in_scope=False, passages=retrieval.passages,
                          suggestions=suggestions, answerer="refusal", kind="refusal")
        text, citations = compose_extractive(question, retrieval, self._sections, shown=shown)
        return Answer(question=question, answer=text, in_scope=True, citations=citations,
                      passages=retrieval.passages,
                      suggestions=self.nearest_questions(retrieval.vector, exclude_answered=True))

    def nearest_questions(self, vector: np.ndarray | None, *, n: int = 3, exclude_answered: bool = False) -> list[str]:
        """The suggested questions closest in meaning to a query embedding (starters without one)."""
        if vector is None:
            return self._suggestions.starters[:n]
        order = np.argsort(-(self._suggestions.vectors @ vector))
        skip = 1 if exclude_answered else 0  # the nearest one is usually the question itself
        return [self._suggestions.questions[i] for i in order[skip : skip + n]]

    def starters(self) -> list[str]:
        return list(self._suggestions.starters)

    def passage(self, passage_id: str) -> Passage:
        chunk = self._passages.get(passage_id)
        if chunk is None:
            raise NotFound("No encontré ese pasaje de la cartilla.", code="pasaje_no_encontrado")
        return Passage(id=chunk.id, section=chunk.section, text=chunk.text, score=1.0, kind=chunk.kind)

    def sections(self) -> list[str]:
        """The booklet's top-level sections, in order, for '/fuentes'."""
        seen: list[str] = []
        for chunk in self.index.chunks:
            top = chunk.section.split(" › ")[0]
            if top not in seen:
                seen.append(top)
        return seen

    def feedback(self, *, rating: Literal["up", "down"], question: str, answer: str,
                 conversation_id: str | None = None, comment: str | None = None) -> int:
        return self._guard(lambda: self.store.add_feedback(
            conversation_id=conversation_id, question=question, answer=answer, rating=rating, comment=comment))

    # Channel bindings and health --------------------------------------------------------------
    def user_state(self, key: str) -> dict:
        return self._guard(lambda: self.store.binding(key=key))

    def set_user_state(self, key: str, data: dict) -> None:
        self._guard(lambda: self.store.set_binding(key=key, data=data))

    # Privacy (Ley 1581 de 2012): thin delegations to bot.privacy -------------------------------
    def delete_conversation(self, conversation_id: str) -> None:
        if not self._guard(lambda: self.store.delete_conversation(conversation_id=conversation_id)):
            raise NotFound("No existe una conversación con ese identificador.", code="conversacion_no_encontrada")

    def delete_diagnosis(self, diagnosis_id: str) -> None:
        if not self._guard(lambda: self.store.delete_diagnosis(diagnosis_id=diagnosis_id)):
            raise NotFound("No existe un autodiagnóstico con ese identificador.", code="diagnostico_no_encontrado")

    def forget_user_state(self, keys: list[str], *, conversation_id: str | None = None) -> int:
        return self._guard(lambda: privacy.forget_bindings(self.store, keys, conversation_id=conversation_id))

    def _observe(self, retrieval: Retrieval, answer: Answer, answer_seconds: float) -> None:
        steps = {**retrieval.timings, "answer": answer_seconds}
        for observer in self.observers:
            observer(steps, answer)

    def health(self) -> dict:
        self._refresh_index()
        return {
            "status": "ok" if self.store.ping() else "degraded",
            "index_version": self.index.version,
            "embedder": self.index.manifest["embedder"],
            "chunks": len(self.index.chunks),
        }
