"""The generative answerer: a LangChain (LCEL) chain over any chat model, checked, with a safe fallback.

Why this exists: cluster managers expect a conversational answer that combines passages and
follows the previous turn, but the advisor must never be worse than its extractive answerer.
So the chain is

    condense the last turns → the same retrieval as the extractive path (done by the advisor,
    whose scope judge refuses out-of-scope questions before any model call) → the Spanish prompt
    from ``prompts/`` → the chat model → ``StrOutputParser``

and its output goes through ``check_citations``. Anything short of a checked answer — the
server down, slower than ``llm_timeout_s``, an HTTP error, garbage, an empty text, a made-up
or unsupported citation — returns the extractive answer with a short Spanish note, and
``Answer.answerer`` says who answered. ``run`` yields the model's text pieces as they come so
channels can stream them; the final ``Answer`` is authoritative.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from bot.answer.citations import CitationCheck, check_citations
from bot.answer.llm_models import make_chat_model
from bot.answer.llm_prompt import NO_ANSWER, build_prompt, defang, format_history, format_passages
from bot.errors import Unavailable
from bot.retrieval import Retrieval
from bot.schemas import Answer, Passage
from bot.settings import Settings
from bot.text import fold

__all__ = ["GenerativeAnswerer", "Outcome", "FALLBACK_NOTES", "make_generative"]

log = logging.getLogger(__name__)

FALLBACK_NOTES = {
    "fault": "Nota: el modelo generativo no está disponible en este momento, así que le respondo con las frases "
    "de la cartilla.",
    "check": "Nota: la respuesta redactada no pasó la verificación de citas, así que le respondo con las frases "
    "de la cartilla.",
    "empty": "Nota: el modelo generativo no redactó ninguna respuesta, así que le respondo con las frases de la "
    "cartilla.",
    "no_answer": "Nota: el modelo generativo no encontró la respuesta en los pasajes; estas son las frases más "
    "cercanas de la cartilla.",
}


@dataclass
class Outcome:
    """What one generation did: its text and timings, the fault if any, the citation check."""

    text: str = ""
    pieces: int = 0
    seconds: float = 0.0
    first_piece_s: float | None = None
    error: str | None = None
    check: CitationCheck | None = None
    passages: list[Passage] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and self.check is not None and self.check.ok


class GenerativeAnswerer:
    def __init__(self, settings: Settings, model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.model = model if model is not None else make_chat_model(settings)
        self.chain = self.build_chain(settings, self.model)

    @staticmethod
    def build_chain(settings: Settings, model: BaseChatModel) -> Runnable:
        """``{"question", "passages", "turns"}`` → the model's answer text, streamed."""
        condense = RunnablePassthrough.assign(
            historial=RunnableLambda(lambda x: format_history(x["turns"]), name="condensar_conversacion"),
            pasajes=RunnableLambda(lambda x: format_passages(x["passages"]), name="numerar_pasajes"),
            pregunta=RunnableLambda(lambda x: defang(x["question"]), name="pregunta"),
        )
        return (condense | build_prompt(settings.prompts_dir) | model | StrOutputParser()).with_config(
            run_name="respuesta_generativa"
        )

    def run(self, question: str, retrieval: Retrieval, turns: list[dict]) -> Generator[str, None, Outcome]:
        """Yield the answer's text pieces as the model writes them; return the checked ``Outcome``."""
        passages = retrieval.passages[: self.settings.llm_passages]
        outcome = Outcome(passages=passages)
        started = time.monotonic()
        deadline = started + self.settings.llm_timeout_s
        pieces: list[str] = []
        stream = self.chain.stream({"question": question, "passages": passages, "turns": turns})
        try:
            for piece in stream:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no answer within {self.settings.llm_timeout_s} s")
                if not piece:
                    continue
                if outcome.first_piece_s is None:
                    outcome.first_piece_s = time.monotonic() - started
                pieces.append(piece)
                yield piece
        except Exception as error:  # any fault of the model or its server: the extractive answer takes over
            outcome.error = f"{type(error).__name__}: {error}"[:300]
            log.warning("generative answer failed, falling back to extractive: %s", outcome.error)
        finally:
            close = getattr(stream, "close", None)  # typed as an Iterator; in fact a generator
            if close is not None:
                close()
        outcome.seconds = time.monotonic() - started
        outcome.pieces = len(pieces)
        outcome.text = "".join(pieces).strip()
        if outcome.error is None:
            outcome.check = check_citations(outcome.text, passages)
            if not outcome.check.ok:
                log.info("generative answer rejected (%s): %s", outcome.check.reason, outcome.check.detail[:200])
        return outcome

    def stream(
        self, question: str, retrieval: Retrieval, turns: list[dict], fallback: Answer
    ) -> Generator[str, None, Answer]:
        """Stream the model's text, then return the final answer (the checked one or the fallback)."""
        outcome = yield from self.run(question, retrieval, turns)
        return self.finish(outcome, fallback)

    @staticmethod
    def finish(outcome: Outcome, fallback: Answer) -> Answer:
        """The checked generative answer, or ``fallback`` (extractive) with a note saying why."""
        if outcome.passed:
            assert outcome.check is not None
            return fallback.model_copy(
                update={"answer": outcome.check.text, "citations": outcome.check.citations, "answerer": "llm"}
            )
        if outcome.error is not None:
            reason = "fault"
        elif fold(NO_ANSWER).rstrip(".") in fold(outcome.text):
            reason = "no_answer"
        elif outcome.check is not None and outcome.check.reason == "empty":
            reason = "empty"
        else:
            reason = "check"
        text = f"{fallback.answer}\n\n{FALLBACK_NOTES[reason]}" if fallback.answer else FALLBACK_NOTES[reason]
        return fallback.model_copy(update={"answer": text, "answerer": "extractive"})


def make_generative(settings: Settings) -> GenerativeAnswerer | None:
    """The generative answerer when ``ASESOR_ANSWERER=llm``; a clear Spanish error when it cannot start."""
    if settings.answerer != "llm":
        return None
    if settings.llm_gguf is None and not settings.llm_base_url:
        raise Unavailable(
            "Falta configurar el modelo generativo: defina ASESOR_LLM_BASE_URL (un servidor compatible "
            "con OpenAI) o ASESOR_LLM_GGUF (un archivo .gguf).",
            code="modelo_no_configurado",
        )
    if settings.llm_gguf is not None:
        if not settings.llm_gguf.is_file():
            raise Unavailable(
                f"No encontré el modelo {settings.llm_gguf} (ASESOR_LLM_GGUF).", code="modelo_no_encontrado"
            )
        try:
            import llama_cpp  # noqa: F401
        except ImportError as error:
            raise Unavailable(
                "Para usar ASESOR_LLM_GGUF instale llama-cpp-python: pip install '.[llm]'.", code="modelo_no_disponible"
            ) from error
    return GenerativeAnswerer(settings)
