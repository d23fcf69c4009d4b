"""The WhatsApp channel: the advisor on the WhatsApp Business Cloud API, through a webhook.

Why this exists: in Colombia business people, chambers of commerce and producers talk on WhatsApp.
The channel is a thin layer over the ``Advisor`` façade and the ``ChannelService`` (it never touches
the store or the index): ``inbound`` verifies and parses what Meta POSTs, ``handlers`` and
``diagnosis`` hold one small handler per intent, ``render``/``split`` build message bodies within
WhatsApp's limits, ``graph`` sends them (retries, no duplicates, per-user pace), ``runtime`` keeps
pseudonymous keys and the 24-hour window check, ``app`` wires it for ``bot.api``; ``texts`` holds
the Spanish strings. Importing this package does nothing heavy.
"""

from __future__ import annotations

__all__: list[str] = []
