"""Alembic migrations of sysinv-edgeworker (installed as ``sysinv_edgeworker_migrations``)."""
