"""Secrets the advisor generates for itself when none is configured, kept on disk with mode 0600.

Why this exists: a missing secret must never fall back to a public constant (the Telegram id salt
once did) nor to no check at all (a webhook without a secret accepted unsigned updates). When the
operator sets none, one is generated on first use and written beside the index, readable only by
its owner, so every later run (and every worker on this machine) reuses the same one. Creation
uses ``O_EXCL``: two workers starting together agree on the first file written.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["persisted_secret", "SECRETS_FOLDER"]

SECRETS_FOLDER = ".secrets"


def persisted_secret(folder: Path, name: str) -> str:
    """The secret stored as ``folder/.secrets/<name>``, generated (256 bits) the first time."""
    directory = folder / SECRETS_FOLDER
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        return _wait_for(path)  # another process created it and is writing it now
    value = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    return value


def _wait_for(path: Path, attempts: int = 50) -> str:
    import time

    for _ in range(attempts):
        time.sleep(0.02)
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
    raise RuntimeError(f"El secreto {path.name} está vacío: bórrelo para que se genere de nuevo.")
