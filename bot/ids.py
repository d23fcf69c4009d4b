"""The one way the advisor mints ids for conversations and diagnoses.

Why this exists: these ids are the only authority over the data behind them (whoever holds one can
read or delete it), so they must be unguessable, and every channel must get the same kind (one
length, 22 URL-safe characters): minted here, never by a channel.
"""

from __future__ import annotations

import secrets

__all__ = ["new_id"]


def new_id() -> str:
    return secrets.token_urlsafe(16)
