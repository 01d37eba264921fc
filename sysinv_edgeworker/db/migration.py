"""Alembic driver used by ``sysinv-edgeworker-dbsync`` and the all-in-one start-up.

The migration scripts live in ``db/migrations`` in the source tree and are installed as the
package ``sysinv_edgeworker_migrations``, so this works from a wheel with no checkout.
"""

import os

import sysinv_edgeworker_migrations
from alembic import command
from alembic import config as alembic_config
from alembic import script as alembic_script
from alembic.runtime import migration as alembic_migration

from sysinv_edgeworker.db.sqlalchemy import engine as db_engine


def _config(connection=None):
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location",
                        os.path.dirname(os.path.abspath(sysinv_edgeworker_migrations.__file__)))
    cfg.attributes["connection"] = connection
    return cfg


def _run(fn, *args):
    eng = db_engine.get_engine()
    with eng.begin() as conn:
        return fn(_config(conn), *args)


def upgrade(revision="head"):
    _run(command.upgrade, revision)


def stamp(revision="head"):
    _run(command.stamp, revision)


def head():
    return alembic_script.ScriptDirectory.from_config(_config()).get_current_head()


def version():
    """Current revision of the database, or None before the first upgrade."""
    with db_engine.get_engine().connect() as conn:
        return alembic_migration.MigrationContext.configure(conn).get_current_revision()


def is_current():
    return version() == head()
