"""The staff console's services: recorder, accounts, analytics, grouping, charts.

Why this exists: the Red's staff see what people ask and how initiatives score (issue 20); the
channel in ``bot/staff`` renders what these services compute and never opens the store itself.
Nothing is imported here: the advisor needs only ``bot.console.events`` and must not load
matplotlib or argon2 for it; the wiring is ``bot.console.service.build_staff_console``.
"""

__all__: list[str] = []
