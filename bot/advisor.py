"""The ``Advisor`` façade: the only thing channels talk to.

Built once per process by ``Advisor.from_settings``: it loads the index, the embedder and the
self-diagnosis instrument, and opens the store. Every method is synchronous and CPU-bound;
async channels call it through a worker thread. Nothing here knows about HTTP or Telegram.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import yaml

from bot import diagnosis as dx
from bot.answer.extractive import compose_extractive
from bot.answer.scope import ScopeDecision, ScopeJudge
from bot.errors import InvalidInput, NotFound, Unavailable
from bot.index.embedders import VectorEmbedder, make_embedder
from bot.index.load import IndexUnavailable, LoadedIndex, load_index
from bot.retrieval.factory import make_retriever
from bot.retrieval import DEFAULT_ALPHA, Lexicon, Retrieval, clean_question
from bot.retrieval.followup import resolve_followup
from bot.schemas import Answer, Passage
from bot.settings import Settings
from bot.store import Store, StoreUnavailable

__all__ = ["Advisor", "ReportFormat", "REPORT_TYPES"]

ReportFormat = Literal["md", "html", "png", "pdf"]
REPORT_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "pdf": "application/pdf",
}
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


class Advisor:
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
        self.index = index
        self.embedder = embedder
        self.store = store
        self.instrument = instrument
        lexicon = Lexicon.load(settings.corpus_dir / "lexicon.yaml")
        alpha = settings.dense_weight if settings.dense_weight is not None else index.calibration.get("alpha")
        self.retriever = make_retriever(
            settings, index, embedder, mode=settings.retrieval_mode, alpha=alpha or DEFAULT_ALPHA
        )
        self.scope = ScopeJudge(lexicon, index.calibration)
        data = yaml.safe_load((settings.corpus_dir / "suggestions.yaml").read_text(encoding="utf-8"))
        self._suggestions = _Suggestions(
            questions=data["questions"], starters=data["starters"], vectors=embedder.document_vectors(data["questions"])
        )
        self._passages = {c.id: c for c in index.chunks}
        self._sections: dict[str, list[Passage]] = {}
        for chunk in index.chunks:  # reading order: the first passage of each section opens it
            self._sections.setdefault(chunk.section, []).append(
                Passage(id=chunk.id, section=chunk.section, text=chunk.text, score=1.0, kind=chunk.kind))
        self._cache: OrderedDict[str, Retrieval] = OrderedDict()
        self._cache_lock = threading.Lock()

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
        return cls(
            settings=settings,
            index=index,
            embedder=embedder or make_embedder(settings),
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

    def ask(self, question: str, *, conversation_id: str | None = None) -> Answer:
        """Answer one question (a follow-up when the conversation has a previous turn)."""
        cleaned = self.check_question(question)
        previous = None
        if conversation_id:
            turns = self._guard(lambda: self.store.conversation(conversation_id=conversation_id))
            previous = turns[-1]["resolved"] if turns else None
        resolved = resolve_followup(cleaned, previous)
        retrieval = self._retrieve(resolved)
        decision = self.scope.decide(cleaned, retrieval)
        answer = self._answer(question, retrieval, decision)
        if conversation_id:
            turn = {"question": cleaned, "resolved": resolved if answer.in_scope else previous or "", "answer": answer.answer}
            self._guard(lambda: self.store.append_turn(conversation_id=conversation_id, turn=turn))
            answer.conversation_id = conversation_id
        return answer

    def _retrieve(self, resolved: str) -> Retrieval:
        """Retrieval for a resolved question; the index never changes under a running advisor,
        so the same text (a popular question) is served from a small LRU cache."""
        with self._cache_lock:
            cached = self._cache.get(resolved)
            if cached is not None:
                self._cache.move_to_end(resolved)
                return cached
        retrieval = self.retriever.search(resolved, k=self.settings.top_k)
        with self._cache_lock:
            self._cache[resolved] = retrieval
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return retrieval

    def clear_cache(self) -> None:
        """Forget cached retrievals (benchmarks of distinct questions need a cold cache)."""
        with self._cache_lock:
            self._cache.clear()

    def _answer(self, question: str, retrieval: Retrieval, decision: ScopeDecision) -> Answer:
        if not decision.in_scope:
            suggestions = self.nearest_questions(retrieval.vector)
            text = f"{_REFUSALS[decision.reason]} {_KNOWS}"
            return Answer(question=question, answer=text, in_scope=False, passages=retrieval.passages,
                          suggestions=suggestions, answerer="refusal")
        text, citations = compose_extractive(question, retrieval, self._sections)
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

    # Self-diagnosis --------------------------------------------------------------------------
    def _load_session(self, diagnosis_id: str) -> dx.Session:
        data = self._guard(lambda: self.store.load_diagnosis(diagnosis_id=diagnosis_id))
        if data is None:
            raise NotFound("No existe un autodiagnóstico con ese identificador.", code="diagnostico_no_encontrado")
        return dx.Session.model_validate(data)

    def _save(self, session: dx.Session) -> dx.DiagnosisState:
        self._guard(lambda: self.store.save_diagnosis(
            diagnosis_id=session.id, data=session.model_dump(mode="json"), finished=session.finished))
        return dx.state(self.instrument, session)

    def diagnosis_start(self) -> dx.DiagnosisState:
        return self._save(dx.start(secrets.token_urlsafe(16)))

    def diagnosis_session(self, diagnosis_id: str | None = None) -> dx.Session:
        """The raw session, for channels that drive the pure engine themselves (the terminal)."""
        return self._load_session(diagnosis_id) if diagnosis_id else dx.start(secrets.token_urlsafe(16))

    def diagnosis_save(self, session: dx.Session) -> None:
        self._save(session)

    def diagnosis_state(self, diagnosis_id: str) -> dx.DiagnosisState:
        return dx.state(self.instrument, self._load_session(diagnosis_id))

    def diagnosis_answer(self, diagnosis_id: str, raw: int | str) -> tuple[dx.DiagnosisState, str | None]:
        """(new state, Spanish re-ask message when the answer was not understood)."""
        session = self._load_session(diagnosis_id)
        if session.finished:
            return dx.state(self.instrument, session), "Este autodiagnóstico ya terminó. Puede reiniciarlo si quiere."
        step = dx.answer(self.instrument, session, raw)
        if not step.accepted:
            return dx.state(self.instrument, session), step.message
        return self._save(step.session), None

    def diagnosis_back(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._save(dx.back(self._load_session(diagnosis_id)))

    def diagnosis_skip(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._save(dx.skip(self.instrument, self._load_session(diagnosis_id)))

    def diagnosis_restart(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._save(dx.restart(self._load_session(diagnosis_id)))

    def diagnosis_report(self, diagnosis_id: str, fmt: ReportFormat) -> bytes:
        session = self._load_session(diagnosis_id)
        if not session.finished:
            raise InvalidInput("El informe estará listo cuando responda las 13 preguntas.", code="diagnostico_incompleto")
        outcome = dx.result(self.instrument, session)
        if fmt == "md":
            return dx.render_markdown(self.instrument, outcome).encode()
        chart = dx.radar_chart_png(outcome)
        if fmt == "png":
            return chart
        if fmt == "html":
            return dx.render_html(self.instrument, outcome, chart).encode()
        return dx.render_pdf(self.instrument, outcome, chart)

    # Channel bindings and health --------------------------------------------------------------
    def user_state(self, key: str) -> dict:
        return self._guard(lambda: self.store.binding(key=key))

    def set_user_state(self, key: str, data: dict) -> None:
        self._guard(lambda: self.store.set_binding(key=key, data=data))

    def health(self) -> dict:
        return {
            "status": "ok" if self.store.ping() else "degraded",
            "index_version": self.index.version,
            "embedder": self.index.manifest["embedder"],
            "chunks": len(self.index.chunks),
        }

    @staticmethod
    def _guard(work):
        try:
            return work()
        except StoreUnavailable as error:
            raise Unavailable(
                "El asesor no puede guardar ni leer datos en este momento. Intente de nuevo en unos segundos; "
                "no se perdió ninguna respuesta ya registrada.",
                code="almacen_no_disponible",
            ) from error
