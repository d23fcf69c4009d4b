"""The services channels use, each one job over the domain and the store.

Why this exists: channels (CLI, HTTP, Telegram, …) must not reach the store, the index or the
retriever; they call these services, which ``bot.compose.build_services`` builds from ``Settings``.
``answers`` is ``bot.advisor.Advisor``; the others live here: ``diagnoses``, ``personal_data``,
``chat_state``, ``operations``, ``database`` (the operator's schema commands) and ``hooks`` (who
hears about each answer). Importing this package is cheap: import the module you need.
"""

__all__: list[str] = []
