"""Alembic environment: the connection comes from sysinv_edgeworker.db.migration."""

from alembic import context

from sysinv_edgeworker.db.sqlalchemy import models

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online():
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported.")
run_migrations_online()
