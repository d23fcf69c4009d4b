"""Alembic migrations of the advisor's store (run through ``bot.migrate``, ``asesor db upgrade``)."""
