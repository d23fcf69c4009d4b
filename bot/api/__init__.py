"""HTTP channel of the advisor: a FastAPI service plus an embeddable chat widget.

Why this exists: the Red Cluster Colombia portal (or any site) embeds the advisor with one script
tag; the widget talks to this API, which only calls the services (``bot.compose.Services``).
Importing this package is cheap: the services are built when the app starts.
"""

from __future__ import annotations

from .app import app_from_env, create_app
from .server import serve

__all__ = ["app_from_env", "create_app", "serve"]
