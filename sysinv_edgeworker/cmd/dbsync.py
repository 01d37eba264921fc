"""sysinv-edgeworker-dbsync upgrade|version|stamp: Alembic migrations (upgrade-only)."""

import sys

from oslo_config import cfg

from sysinv_edgeworker.cmd import service
from sysinv_edgeworker.common import exception

DESCRIPTION = "Create or upgrade the sysinv-edgeworker database schema."


def _add_commands(subparsers):
    p = subparsers.add_parser("upgrade", help="Upgrade the schema (default: to head).")
    p.add_argument("revision", nargs="?", default="head")
    subparsers.add_parser("version", help="Print the schema revision of the database.")
    p = subparsers.add_parser("stamp", help="Record a revision without running migrations.")
    p.add_argument("revision", nargs="?", default="head")


def main(argv=None):
    argv = argv or sys.argv
    from sysinv_edgeworker.conf import CONF
    CONF.register_cli_opt(cfg.SubCommandOpt("command", title="commands",
                                            handler=_add_commands))
    service.prepare(argv, DESCRIPTION)
    from sysinv_edgeworker.db import migration
    try:
        if CONF.database.connection.startswith("sqlite"):
            service.ensure_state_path()
        command = CONF.command.name
        if command == "upgrade":
            migration.upgrade(CONF.command.revision)
            print("Database at revision %s" % migration.version())
        elif command == "stamp":
            migration.stamp(CONF.command.revision)
            print("Database stamped at %s" % migration.version())
        else:
            print(migration.version() or "None (empty database)")
    except exception.EdgeworkerException as err:
        return service.fail(err)
    except Exception as err:  # alembic/oslo.db errors: one line, no traceback
        return service.fail("%s: %s" % (type(err).__name__, err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
